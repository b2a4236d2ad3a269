{ config, lib, pkgs, ... }:

let
  # Set to true on the desktop, where extras.nix exists.
  enableExtras = false;
in
{
  imports = [ ./hardware-configuration.nix ./packages.nix ]
    ++ (if enableExtras then [ ./extras.nix ] else [ ]);

  networking.hostName = "laptop";
  system.stateVersion = "24.11";
}
