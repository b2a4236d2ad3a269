{ config, pkgs, lib, ... }:
let
  devTools = with pkgs; [
    git
    gcc
  ];
  desktop = with pkgs; [ firefox ];
in
{
  environment.systemPackages = devTools ++ desktop ++ [ pkgs.vim ];
}
