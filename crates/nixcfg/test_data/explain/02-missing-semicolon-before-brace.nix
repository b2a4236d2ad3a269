{ config, pkgs, ... }:
{
  services.printing.enable = true;
  time.timeZone = "Europe/London"
}
