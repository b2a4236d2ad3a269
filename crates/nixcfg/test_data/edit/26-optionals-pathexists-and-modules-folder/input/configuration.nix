{ config, lib, pkgs, ... }:

{
  imports = [
    ./hardware-configuration.nix
    ./modules
  ] ++ lib.optionals (builtins.pathExists ./local.nix) [ ./local.nix ]
    ++ lib.optional (builtins.pathExists ./secrets.nix) ./secrets.nix;

  system.stateVersion = "24.11";
}
