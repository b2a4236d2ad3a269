{ config, pkgs, lib, ... }:
{
  environment.systemPackages = lib.optionals config.services.xserver.enable [ pkgs.firefox ] ++ [ pkgs.vim ];
}
