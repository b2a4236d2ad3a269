{ config, ... }:
{
  networking.hostName = "laptop";
}
