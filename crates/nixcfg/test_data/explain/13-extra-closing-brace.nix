{ pkgs, ... }:
{
  networking.hostName = "desk";
}
}
