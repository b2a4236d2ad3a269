{ config, pkgs, ... }:
{
  networking.hostName = "desk;
  time.timeZone = "Europe/Paris";
}
