{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; [
    vim
  ];
  ++ [ pkgs.git ];
}
