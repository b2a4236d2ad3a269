{ config, lib, pkgs, ... }:

let
  isLaptop = builtins.pathExists ./laptop.nix;
in
{
  imports = [ ./hardware-configuration.nix ]
    ++ lib.optional isLaptop ./laptop.nix
    ++ lib.optional (!isLaptop) ./desktop.nix;

  system.stateVersion = "24.11";
}
