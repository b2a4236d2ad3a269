//! Every example utterance of the registry is a test: it must give its intent and slots.

use luminous_intent::registry::REGISTRY;
use luminous_intent::template::Template;
use luminous_intent::{ACT_THRESHOLD, IntentKind, curated_index, interpret};

#[test]
fn every_template_compiles() {
    for spec in REGISTRY {
        for rule in spec.rules {
            assert!(
                Template::parse(rule.template).is_some(),
                "bad template {:?}",
                rule.template
            );
        }
    }
}

#[test]
fn every_example_gives_its_intent_and_slots() {
    let index = curated_index();
    let mut failures = Vec::new();
    for spec in REGISTRY {
        assert!(!spec.examples.is_empty(), "{:?} has no examples", spec.kind);
        for (utterance, expect) in spec.examples {
            let got = interpret(utterance, &index);
            let slots = got
                .slots
                .iter()
                .filter(|(k, _)| k.as_str() != "packages")
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let confident = spec.kind == IntentKind::Unknown || got.confidence >= ACT_THRESHOLD;
            if got.intent != spec.kind || slots != *expect || !confident {
                failures.push(format!(
                    "{utterance:?}: want {:?} [{expect}], got {:?} [{slots}] at {:.2}",
                    spec.kind, got.intent, got.confidence
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn all_intents_are_in_the_registry() {
    let kinds: Vec<IntentKind> = REGISTRY.iter().map(|s| s.kind).collect();
    for k in [
        IntentKind::InstallPackage,
        IntentKind::RemovePackage,
        IntentKind::SearchPackage,
        IntentKind::TryPackage,
        IntentKind::ListInstalled,
        IntentKind::UpdateSystem,
        IntentKind::RebuildSystem,
        IntentKind::RollbackSystem,
        IntentKind::ListGenerations,
        IntentKind::CollectGarbage,
        IntentKind::EnableService,
        IntentKind::DisableService,
        IntentKind::ExplainError,
        IntentKind::DiskUsage,
        IntentKind::SystemInfo,
        IntentKind::Help,
        IntentKind::Repeat,
        IntentKind::Cancel,
        IntentKind::Confirm,
        IntentKind::SetPreference,
        IntentKind::Unknown,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing");
    }
}
