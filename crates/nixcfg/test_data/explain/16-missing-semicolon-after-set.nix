{ config, pkgs, ... }:
{
  services.openssh = {
    enable = true;
  }
  networking.hostName = "desk";
}
