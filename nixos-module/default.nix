# NixOS module for Luminous Nix: `services.luminous`. Installs the assistant, writes its
# system-wide settings to /etc/xdg/luminous/config.toml (a user's own
# ~/.config/luminous/config.toml takes precedence), runs `luminous daemon` as a systemd user
# service in every graphical session, and adds a polkit rule so that the active local
# administrator can run the few programs the assistant's plans need as root, after the
# assistant's own spoken or typed confirmation (a voice user cannot type a password).
{ config, lib, pkgs, ... }:

let
  cfg = config.services.luminous;
  toml = pkgs.formats.toml { };

  modelSettings = lib.optionalAttrs (cfg.models != null) {
    whisper_model = "${cfg.models}/models/ggml-tiny.en.bin";
    voice = "${cfg.models}/voices/en_US-joe-medium.onnx";
    voice_activity_model = "${cfg.models}/models/silero_vad.onnx";
  } // lib.optionalAttrs (cfg.onnxruntime != null) {
    onnxruntime = "${lib.getLib cfg.onnxruntime}/lib/libonnxruntime.so";
  };

  settings = modelSettings // {
    wake_phrase = cfg.wakePhrase;
    push_to_talk = cfg.pushToTalk.mode;
    push_to_talk_key = cfg.pushToTalk.key;
    speech = cfg.speech;
  } // cfg.settings;

  # The programs the assistant's plans run as root (see crates/dialogue/src/planner.rs):
  # rebuilds and rollbacks, channel updates, garbage collection.
  rootPrograms = [
    "${config.system.build.nixos-rebuild}/bin/nixos-rebuild"
    "/run/current-system/sw/bin/nixos-rebuild"
    "${config.nix.package}/bin/nix-channel"
    "${config.nix.package}/bin/nix-collect-garbage"
    "/run/current-system/sw/bin/nix-channel"
    "/run/current-system/sw/bin/nix-collect-garbage"
  ];
in
{
  options.services.luminous = {
    enable = lib.mkEnableOption "Luminous Nix, a local voice-first assistant for NixOS, as a user service in graphical sessions";

    package = lib.mkOption {
      type = lib.types.package;
      description = "The luminous package (the flake's `packages.<system>.luminous` when the flake's module is used).";
    };

    models = lib.mkOption {
      type = lib.types.nullOr lib.types.package;
      default = null;
      description = ''
        The speech models (the flake's `packages.<system>.models`: Whisper tiny.en, Silero VAD
        and the Piper voice en_US-joe-medium, fetched as fixed-output derivations). With null,
        each user fetches them with `luminous models fetch`.
      '';
    };

    onnxruntime = lib.mkOption {
      type = lib.types.nullOr lib.types.package;
      default = pkgs.onnxruntime;
      defaultText = lib.literalExpression "pkgs.onnxruntime";
      description = "ONNX Runtime, which runs the Piper voice (1.17 or newer).";
    };

    wakePhrase = lib.mkOption {
      type = lib.types.str;
      default = "hey nix";
      description = "What starts a request in hands-free listening; empty: every utterance is a request.";
    };

    pushToTalk = {
      mode = lib.mkOption {
        type = lib.types.enum [ "hold" "toggle" ];
        default = "hold";
        description = "Talk while the shortcut is held, or press once to start and again to end.";
      };
      key = lib.mkOption {
        type = lib.types.str;
        default = "CTRL+ALT+space";
        description = "The shortcut suggested to the desktop's GlobalShortcuts portal (the desktop may let the user choose another).";
      };
    };

    speech = lib.mkOption {
      type = lib.types.enum [ "auto" "piper" "speech-dispatcher" ];
      default = "auto";
      description = "What speaks: the screen reader when one runs, else Piper (auto); always Piper; or always speech-dispatcher.";
    };

    settings = lib.mkOption {
      type = toml.type;
      default = { };
      example = {
        privilege_helper = "pkexec";
        gc_keep_days = 30;
        hands_free = false;
      };
      description = "Further settings for /etc/xdg/luminous/config.toml (see the README); they override the options above.";
    };

    allowWithoutPassword = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Let the active local user of the `wheel` group run the assistant's root programs
        (nixos-rebuild, nix-channel, nix-collect-garbage) through pkexec without a password:
        the assistant has asked for a clear yes first. When false, polkit asks for the
        administrator's password as usual.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];
    environment.etc."xdg/luminous/config.toml".source = toml.generate "luminous-config.toml" settings;

    systemd.user.services.luminous = {
      description = "Luminous Nix, a local voice-first assistant for NixOS";
      wantedBy = [ "graphical-session.target" ];
      partOf = [ "graphical-session.target" ];
      after = [ "graphical-session.target" ];
      serviceConfig = {
        # READY once the D-Bus API is up; WATCHDOG from the daemon's own loop.
        Type = "notify";
        NotifyAccess = "main";
        ExecStart = "${cfg.package}/bin/luminous daemon";
        Restart = "on-failure";
        RestartSec = 3;
        WatchdogSec = 30;
        TimeoutStopSec = 15;
        # pkexec (setuid) is how plans get root: NoNewPrivileges would break it.
        LockPersonality = true;
        RestrictRealtime = true;
        SystemCallArchitectures = "native";
        UMask = "0077";
        # pkexec's setuid wrapper, the user's and the system's programs.
        Environment = [ "PATH=/run/wrappers/bin:/etc/profiles/per-user/%u/bin:/run/current-system/sw/bin" ];
      };
    };

    security.polkit.enable = true;
    security.polkit.extraConfig = ''
      // Luminous Nix: the assistant's root programs, for the active local administrator.
      polkit.addRule(function(action, subject) {
        if (action.id != "org.freedesktop.policykit.exec") return polkit.Result.NOT_HANDLED;
        var allowed = ${builtins.toJSON rootPrograms};
        if (allowed.indexOf(action.lookup("program")) < 0) return polkit.Result.NOT_HANDLED;
        if (!subject.local || !subject.active || !subject.isInGroup("wheel")) return polkit.Result.NOT_HANDLED;
        return ${if cfg.allowWithoutPassword then "polkit.Result.YES" else "polkit.Result.AUTH_ADMIN_KEEP"};
      });
    '';
  };
}
