//! What the conversation tests share: a small configuration, and a conversation through
//! turns with the curated index.
// Each test binary uses its own part of this.
#![allow(dead_code)]

use luminous_dialogue::advice::Adviser;
use luminous_dialogue::{Action, Context, Dialogue, Preferences, Settings};
use luminous_intent::curated_index;
use luminous_nixcfg::edit::SourceFile;

/// A configuration with one package, vim.
pub fn files() -> [SourceFile; 1] {
    [SourceFile {
        name: "/etc/nixos/configuration.nix".into(),
        text: "{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ vim ];\n}\n".into(),
    }]
}

/// One conversation through `turns` (with `adviser` as the second opinion): each reply and
/// action.
pub fn talk_with(adviser: Option<&dyn Adviser>, turns: &[&str]) -> Vec<(String, Action)> {
    talk_in(&curated_index(), adviser, turns)
}

/// [`talk_with`], with another package index.
pub fn talk_in(
    index: &luminous_intent::PackageIndex,
    adviser: Option<&dyn Adviser>,
    turns: &[&str],
) -> Vec<(String, Action)> {
    let files = files();
    let settings = Settings::default();
    let mut ctx = Context::new(index, Ok(&files), &settings);
    ctx.adviser = adviser;
    let mut d = Dialogue::new(Preferences::default());
    turns
        .iter()
        .map(|t| {
            let turn = d.turn(t, &ctx);
            (turn.reply.text, turn.action)
        })
        .collect()
}
