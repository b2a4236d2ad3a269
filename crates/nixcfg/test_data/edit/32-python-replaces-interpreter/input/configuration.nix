{ pkgs, ... }:
{
  environment.systemPackages = [
    pkgs.vim
    pkgs.python3
  ];
}
