{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; [
    firefox
    thunderbrid
    pkgs.vlcc
  ];
}
