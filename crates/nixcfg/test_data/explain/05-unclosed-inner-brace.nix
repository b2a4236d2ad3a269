{ config, pkgs, ... }:
{
  services.xserver = {
    enable = true;
    xkb.layout = "gb";

  boot.loader.systemd-boot.enable = true;
}
