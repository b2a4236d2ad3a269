{ ... }:
{
  fileSystems."/".device = "/dev/sda1";
}
