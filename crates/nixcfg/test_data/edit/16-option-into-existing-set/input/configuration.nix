{ config, pkgs, ... }:
{
  services = {
    openssh.ports = [ 22 ];
    printing = {
      drivers = [ ];
    };
  };
}
