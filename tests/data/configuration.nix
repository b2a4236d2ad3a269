# An example NixOS configuration, as nixos-generate-config writes it, trimmed.
{ config, pkgs, ... }:

{
  imports = [ ];

  boot.loader.systemd-boot.enable = true;
  networking.hostName = "nixos";
  time.timeZone = "Europe/Amsterdam";

  # List packages installed in system profile.
  environment.systemPackages = with pkgs; [
    vim # Do not forget to add an editor to edit configuration.nix!
    wget
  ];

  services.openssh.enable = false;

  system.stateVersion = "25.05";
}
