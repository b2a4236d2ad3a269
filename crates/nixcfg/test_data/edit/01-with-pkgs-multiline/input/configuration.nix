{ config, pkgs, ... }:

{
  imports = [ ./hardware-configuration.nix ];

  # Packages for everyone.
  environment.systemPackages = with pkgs; [
    vim # the editor
    git

    htop
  ];

  services.openssh.enable = true;
}
