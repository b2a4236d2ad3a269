{ config, pkgs, ... }:
{
  networking.hostName = "desk";
  boot.loader.systemd-boot.enable = true;
