{ pkgs, ... }:
let
  myLibs = ps: with ps; [ flask ];
in
{
  environment.systemPackages = with pkgs; [ vim (python3.withPackages myLibs) ];
}
