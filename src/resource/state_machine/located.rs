//! A problem at a place of a definition file: what the definition's parsers (JSON, YAML) and
//! its checks report. Below both, so neither imports the other for it.

/// A problem at a place of the definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// What is wrong.
    pub message: String,
    /// 1-based line and column in the definition file, when known.
    pub at: Option<(usize, usize)>,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// An error, or only a warning.
    pub error: bool,
}

impl Located {
    /// An error with no place and no help yet.
    pub fn error(message: impl Into<String>) -> Self {
        Located {
            message: message.into(),
            at: None,
            help: None,
            error: true,
        }
    }

    /// With how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The 1-based line and column of the place `pointer` (keys and array indexes from the root)
/// names in a definition's text: the member's key, or the array element. JSON is scanned
/// exactly (nesting and strings respected, so a state named like a field is not confused with
/// it); YAML by indentation (`key:` under its parent's block).
pub fn locate(text: &str, pointer: &[String], yaml: bool) -> Option<(usize, usize)> {
    let offset = if yaml {
        yaml_offset(text, pointer)?
    } else {
        let bytes = text.as_bytes();
        json_offset(bytes, skip_space(bytes, 0), pointer)?
    };
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    Some((line, column))
}

fn skip_space(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the JSON string starting at `i` (its opening quote).
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match s.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end (exclusive) of the JSON value starting at `i`.
fn value_end(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i)? {
        b'"' => string_end(s, i),
        b'{' | b'[' => {
            let (mut depth, mut j) = (0usize, i);
            loop {
                match s.get(j)? {
                    b'"' => j = string_end(s, j)?,
                    b'{' | b'[' => {
                        depth += 1;
                        j += 1;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        j += 1;
                        if depth == 0 {
                            return Some(j);
                        }
                    }
                    _ => j += 1,
                }
            }
        }
        _ => {
            let mut j = i;
            while s
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The byte offset of what `pointer` names inside the JSON value starting at `i`.
fn json_offset(s: &[u8], i: usize, pointer: &[String]) -> Option<usize> {
    let Some((first, rest)) = pointer.split_first() else {
        return Some(i);
    };
    let (object, mut j, mut index) = (*s.get(i)? == b'{', skip_space(s, i + 1), 0usize);
    if !object && *s.get(i)? != b'[' {
        return None;
    }
    while !matches!(s.get(j)?, b'}' | b']') {
        let member = j;
        let hit = if object {
            let key_end = string_end(s, j)?;
            let key: String = serde_json::from_slice(s.get(j..key_end)?).ok()?;
            j = skip_space(s, key_end);
            j = skip_space(s, j + usize::from(s.get(j) == Some(&b':')));
            key == *first
        } else {
            index += 1;
            first.parse::<usize>().ok() == Some(index - 1)
        };
        if hit {
            return if rest.is_empty() {
                Some(member)
            } else {
                json_offset(s, j, rest)
            };
        }
        j = skip_space(s, value_end(s, j)?);
        if s.get(j) == Some(&b',') {
            j = skip_space(s, j + 1);
        }
    }
    None
}

/// The byte offset of what `pointer` names in YAML text, by indentation: each key is a
/// `key:` line of its parent's block at the block's own indentation (so a nested key of the
/// same name is not taken), an array index the n-th `- ` item of the block.
fn yaml_offset(text: &str, pointer: &[String]) -> Option<usize> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        lines.push((offset, line.trim_end_matches(['\n', '\r'])));
        offset += line.len();
    }
    // Where the current block starts, and the column of the key or `- ` that opened it.
    let (mut from, mut parent, mut found) = (0usize, None::<usize>, None);
    for key in pointer {
        let (mut child, mut items, mut hit) = (None::<usize>, 0usize, None);
        for (n, (start, line)) in lines.iter().enumerate().skip(from) {
            let first = line.len() - line.trim_start().len();
            let body = line.trim_start().trim_start_matches(['-', ' ']);
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let key_col = line.len() - body.len();
            let dash = line.trim_start().starts_with('-');
            let ended = parent.is_some_and(|p| key_col <= p || (dash && first <= p && n > from));
            if ended {
                break;
            }
            if let Ok(wanted) = key.parse::<usize>() {
                if dash && child.is_none_or(|c| c == first) {
                    child = Some(first);
                    items += 1;
                    if items == wanted + 1 {
                        hit = Some((n, start + first, first, n));
                        break;
                    }
                }
                continue;
            }
            let col = *child.get_or_insert(key_col);
            if col == key_col
                && (body.starts_with(&format!("{key}:")) || body.starts_with(&format!("\"{key}\":")))
            {
                hit = Some((n, start + key_col, key_col, n + 1));
                break;
            }
        }
        let (_, at, col, next) = hit?;
        found = Some(at);
        (from, parent) = (next, Some(col));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::locate;

    fn at(text: &str, pointer: &[&str], yaml: bool) -> Option<(usize, usize)> {
        let pointer: Vec<String> = pointer.iter().map(|s| s.to_string()).collect();
        locate(text, &pointer, yaml)
    }

    /// A state named like a field, a `Next` inside `Catch` before the state's own, and a string
    /// holding `"Next":` are not taken for the place asked for.
    #[test]
    fn json_places_respect_nesting_and_strings() {
        let text = r#"{
  "StartAt": "Next",
  "States": {
    "Next": {
      "Type": "Pass",
      "Comment": "\"Next\": not this",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}, {"Next": "Y"}],
      "Next": "Z"
    }
  }
}"#;
        assert_eq!(at(text, &["States", "Next"], false), Some((4, 5)));
        assert_eq!(at(text, &["States", "Next", "Next"], false), Some((8, 7)));
        assert_eq!(
            at(text, &["States", "Next", "Catch", "1", "Next"], false),
            Some((7, 64))
        );
        assert_eq!(at(text, &["States", "Nope"], false), None);
    }

    #[test]
    fn yaml_places_follow_indentation() {
        let text = "StartAt: A\nStates:\n  A:\n    Catch:\n      - ErrorEquals: [X]\n        Next: B\n      - Next: C\n    Next: D\n  B:\n    Type: Succeed\n";
        assert_eq!(at(text, &["States", "A", "Next"], true), Some((8, 5)));
        assert_eq!(
            at(text, &["States", "A", "Catch", "0", "Next"], true),
            Some((6, 9))
        );
        assert_eq!(
            at(text, &["States", "A", "Catch", "1", "Next"], true),
            Some((7, 9))
        );
        assert_eq!(at(text, &["States", "B"], true), Some((9, 3)));
        assert_eq!(at(text, &["States", "B", "Next"], true), None);
    }
}
