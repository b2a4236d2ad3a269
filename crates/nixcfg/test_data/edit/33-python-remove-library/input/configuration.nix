{ pkgs, ... }:
{
  environment.systemPackages = [
    pkgs.vim
    (pkgs.python3.withPackages (p: [ p.requests p.flask ]))
  ];
}
