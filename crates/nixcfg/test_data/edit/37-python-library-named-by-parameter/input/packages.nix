{ pkgs, ... }:
{
  environment.systemPackages = [
    pkgs.git
    (pkgs.python312.withPackages (p: [ p.requests ]))
  ];
}
