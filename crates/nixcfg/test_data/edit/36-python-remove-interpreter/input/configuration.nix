{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; [
    vim
    (python3.withPackages (ps: with ps; [ requests ]))
  ];
}
