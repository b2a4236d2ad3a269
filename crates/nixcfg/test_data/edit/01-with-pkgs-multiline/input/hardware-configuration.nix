{ ... }:
{
  boot.loader.grub.enable = true;
}
