{ config, pkgs, ... }:
{
  services.opensshd.enable = true;
}
