{ config, pkgs, lib, ... }:
{
  imports = [ ./hardware-configuration.nix ] ++ lib.optional (builtins.pathExists ./apps.nix) ./apps.nix;
}
