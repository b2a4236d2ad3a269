{ config, ... }:

{
  services.printing.enable = false;
  services.tlp.enable = true;
}
