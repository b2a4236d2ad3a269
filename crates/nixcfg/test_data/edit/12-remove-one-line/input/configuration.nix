{ pkgs, ... }: { environment.systemPackages = [ pkgs.vim pkgs.vlc pkgs.git ]; }
