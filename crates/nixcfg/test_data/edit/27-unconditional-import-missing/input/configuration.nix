{ config, pkgs, ... }:

{
  imports = [ ./hardware-configuration.nix ./gone.nix ];

  environment.systemPackages = [ pkgs.git ];
  system.stateVersion = "24.11";
}
