{ config, pkgs, ... }:
{
  virtualisation.docker.enable = true;
}
