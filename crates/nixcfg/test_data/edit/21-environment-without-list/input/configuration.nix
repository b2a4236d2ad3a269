{ config, pkgs, ... }:
{
  environment = {
    variables.EDITOR = "nano";
  };
}
