{ config, ... }:

{
  networking.hostName = "laptop";
}
