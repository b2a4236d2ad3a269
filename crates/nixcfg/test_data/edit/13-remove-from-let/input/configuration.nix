{ pkgs, ... }:
let
  media = with pkgs; [
    vlc
    mpv
  ];
in
{
  environment.systemPackages = with pkgs; [ git ] ++ media;
}
