{ pkgs, ... }:
{
  imports = [ ./packages.nix ];
}
