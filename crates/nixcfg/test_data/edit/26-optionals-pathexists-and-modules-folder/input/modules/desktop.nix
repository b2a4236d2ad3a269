{ config, pkgs, ... }:

{
  services.xserver.enable = true;
  environment.systemPackages = with pkgs; [
    firefox # the browser
    libreoffice
  ];
}
