{ config, pkgs, ... }:
{
  networking.hostName = "laptop"
  time.timeZone = "Europe/London";
}
