//! How text is cut into what Piper says in one run: read-aloud spelling of file names and
//! options, sentences (the first can play while the rest is made), and pieces bounded by
//! length and by sound, since Piper's memory follows the longest piece it has said.

/// Text as it should be read aloud: file names and options say their dots and dashes
/// ("configuration.nix" is "configuration dot nix", not the end of a sentence).
pub fn speakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let word = |ch: Option<char>| ch.is_some_and(char::is_alphanumeric);
        match c {
            '.' if word(prev) && next.is_some_and(char::is_alphabetic) => out.push_str(" dot "),
            '-' if next == Some('-') && !word(prev) => out.push_str("dash "),
            '-' if prev == Some('-') => out.push_str("dash "),
            _ => out.push(c),
        }
    }
    out
}

/// A clause longer than this (in characters) is split at a comma when one comes.
const LONG_CLAUSE: usize = 80;

/// No sentence piece is longer than this (in characters) unless a single word is. This cut
/// is about sense: it falls after a comma or before a joining word, where a pause sounds
/// natural. The memory bound is [`LONGEST_SOUNDS`], applied to every piece afterwards by its
/// phonemes; cutting here first means that bound rarely has to cut at a bare space.
pub const LONGEST_PIECE: usize = 110;

/// Words before which a long sentence without commas may be split with the least harm to
/// its sense and its intonation.
const JOINS: [&str; 9] = [
    "and", "or", "but", "which", "so", "then", "because", "where", "with",
];

/// Split text into sentences to speak one at a time: a long sentence is split at commas so
/// the first sound comes quickly, and one still longer than [`LONGEST_PIECE`] into pieces
/// within that length (see [`between_words`]).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        cur.push(c);
        let next_is_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let end = matches!(c, '.' | '?' | '!' | ':') && next_is_space;
        let long_clause = c == ',' && next_is_space && cur.chars().count() > LONG_CLAUSE;
        if end || long_clause {
            bounded(&cur, &mut out);
            cur.clear();
        }
    }
    bounded(&cur, &mut out);
    out
}

/// Push `clause` to `out` in pieces of at most [`LONGEST_PIECE`] characters (a longer word
/// whole), leaving out pieces with nothing to say ("...").
fn bounded(clause: &str, out: &mut Vec<String>) {
    let pieces = between_words(clause, LONGEST_PIECE, &JOINS);
    out.extend(
        pieces
            .into_iter()
            .filter(|p| p.chars().any(char::is_alphanumeric))
            .map(str::to_owned),
    );
}

/// The most phonemes (characters of espeak-ng's IPA) Piper is given in one run at the
/// normal rate; proportionally fewer when slower, since its memory follows the length of the
/// audio. Piper's working memory grows by about 1 MB a phoneme with the joe-medium voice and
/// ONNX Runtime's arena keeps it for the rest of the process's life, so a sentence full of
/// sounds ("nixos-config=/home/someone/..." says every slash) is cut by its sounds, not only
/// by its letters (docs/performance.md).
pub const LONGEST_SOUNDS: usize = 100;

/// `phonemes` in pieces of at most `longest` characters (see [`between_words`]; the
/// joining words of text are not recognisable in IPA, so a piece ends after a clause's
/// punctuation or at a space).
pub fn sound_pieces(phonemes: &str, longest: usize) -> Vec<&str> {
    between_words(phonemes, longest, &[])
}

/// `text` in pieces of at most `longest` characters, cut between words: after the last
/// comma or semicolon within the bound, else before the last of `joins` there, else at the
/// last space; never in the first quarter of the bound, so no piece is a stub. A word longer
/// than the bound is kept whole. Nothing is lost or reordered: the pieces joined by spaces
/// are the trimmed text.
fn between_words<'a>(text: &'a str, longest: usize, joins: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > longest {
        let Some(at) = split_point(rest, longest, joins) else {
            break;
        };
        out.push(rest[..at].trim_end());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Where to cut `clause`, longer than `longest` characters, as [`between_words`] says: the
/// byte index of a space, or None when there is none.
fn split_point(clause: &str, longest: usize, joins: &[&str]) -> Option<usize> {
    let floor = longest / 4;
    let spaces: Vec<usize> = clause
        .char_indices()
        .enumerate()
        .take_while(|&(n, _)| n <= longest)
        .filter(|&(n, (_, c))| c == ' ' && n > floor)
        .map(|(_, (i, _))| i)
        .collect();
    let spaces = || spaces.iter().copied();
    let after_comma = spaces().rfind(|&i| clause[..i].ends_with([',', ';']));
    let before_join = spaces().rfind(|&i| {
        let word = clause[i + 1..].split_whitespace().next().unwrap_or("");
        joins.contains(&word.to_lowercase().as_str())
    });
    after_comma
        .or(before_join)
        .or_else(|| spaces().next_back())
        .or_else(|| clause.find(' ').filter(|&i| i > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_split() {
        assert_eq!(
            sentences("Install Firefox? Say yes or no."),
            vec!["Install Firefox?", "Say yes or no."]
        );
        assert_eq!(
            sentences("Version 1.2 is out. Done"),
            vec!["Version 1.2 is out.", "Done"]
        );
        assert_eq!(sentences("  ... "), Vec::<String>::new());
        let long = "I found 5 packages for music player, and the first one, which is Rhythmbox, plays music from your library, then";
        assert!(sentences(long).len() >= 2);
    }

    #[test]
    fn no_piece_is_longer_than_piper_should_say_at_once() {
        let command = "Command: nixos-rebuild switch -I nixos-config=/home/someone/projects/machines/laptop/configuration dot nix --option substituters local as administrator and then the system is switched to it.";
        let pieces = sentences(command);
        assert!(pieces.len() >= 2, "{pieces:?}");
        for p in &pieces {
            assert!(p.len() <= LONGEST_PIECE + 30, "{} bytes: {p}", p.len());
        }
        // Nothing is lost or reordered.
        assert_eq!(pieces.join(" "), command);
        // Split before a joining word when there is one, so each piece reads as a phrase.
        let joined = "The rebuild stopped because the option services dot printing dot drivers names a package that is gone and nothing was changed on the system.";
        let pieces = sentences(joined);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert!(pieces[1].starts_with("and nothing"), "{pieces:?}");
        // A sentence within the bound is left whole.
        let short = "Delete generations older than 14 days and unused packages?";
        assert_eq!(sentences(short), vec![short]);
        // One word longer than the bound is said whole rather than cut inside.
        let word = "x".repeat(300);
        assert_eq!(sentences(&word), vec![word.clone()]);
        // Many long sentences in a row: every piece bounded, the words all there.
        let text = "the quick brown fox jumps over the lazy dog ".repeat(12);
        let pieces = sentences(&text);
        assert!(pieces.iter().all(|p| p.len() <= LONGEST_PIECE + 10));
        assert_eq!(pieces.join(" "), text.trim());
    }

    #[test]
    fn long_sounds_are_cut_between_words() {
        let ipa = "nˈɪksoʊzɹᵻbˈɪld swˈɪtʃ aɪ nˈɪksoʊzkənfˈɪɡ ˈiːkwəlzslˌæʃ wˈɜːk slˈæʃ mˈeɪn slˈæʃ tˈɛsts, slˈæʃ dˈeɪɾə slˈæʃ kənfˌɪɡjɚɹˈeɪʃən dˈɑːt nˈɪks";
        let pieces = sound_pieces(ipa, 60);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert!(pieces.iter().all(|p| p.chars().count() <= 60), "{pieces:?}");
        // Every word kept, in order, none cut inside.
        assert_eq!(pieces.join(" "), ipa);
        // A comma past the first quarter of a piece is where it ends.
        assert!(pieces.iter().any(|p| p.ends_with("tˈɛsts,")), "{pieces:?}");
        // Within the bound: one piece; a single long word: whole.
        assert_eq!(sound_pieces("həlˈoʊ wˈɜːld.", 60), vec!["həlˈoʊ wˈɜːld."]);
        let word = "ɪ".repeat(80);
        assert_eq!(sound_pieces(&word, 60), vec![word.as_str()]);
        assert!(sound_pieces("   ", 60).is_empty());
    }

    #[test]
    fn file_names_are_speakable() {
        assert_eq!(
            speakable("I will change configuration.nix and rebuild."),
            "I will change configuration dot nix and rebuild."
        );
        assert_eq!(
            speakable("Run it with --yes. Done."),
            "Run it with dash dash yes. Done."
        );
        assert_eq!(speakable("Version 1.2 is out."), "Version 1.2 is out.");
    }
}
