{ pkgs, ... }:
{
  environment.etc."motd".text = ''
    Welcome!
}
