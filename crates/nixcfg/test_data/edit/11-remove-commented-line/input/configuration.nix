{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; [
    vim # editor
    vlc # videos
    git
  ];
}
