{ config, pkgs, ... }:
{
  service.openssh.enable = true;
  networking.hostName = "desk";
}
