{ config, pkgs, ... }:
{
  services.openssh = {
    enable = false; # off for now
    ports = [ 2222 ];
  };
}
