//! Charts from a local directory, read as Helm v4.2.3's `LoadDir` reads them: the walk in
//! lexical order, `.helmignore` rules (Helm's own dialect: globs, `dir/`, `/rooted`, `!`
//! negation with Helm's semantics, comments) plus Helm's default rule that drops dotfiles
//! directly under `templates/`, symlinks followed, a UTF-8 BOM removed from every file, Helm's
//! per-file size limit. This is the engine's only filesystem code; the files it returns are
//! loaded by the pure [`crate::engine::chart::load`].
//!
//! Beyond Helm, for safety: a symlink resolving outside the chart directory is refused unless
//! [`LoadLimits::allow_external_symlinks`] is set, a symlink loop is an error instead of an
//! endless walk, and the directory's total size and file count are bounded.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::chart::load::{LoadError, LoadLimits, load_files};
use crate::engine::chart::{Chart, File};
use crate::engine::gostr::quote;

/// Loads the chart in `dir` (its subcharts under `charts/` included), as Helm's `LoadDir`.
///
/// # Errors
/// A [`LoadError`] from reading the directory ([`read_chart_dir`]) or from loading its files.
pub fn load_dir(dir: &Path, limits: &LoadLimits) -> Result<Chart, LoadError> {
    let files = read_chart_dir(dir, limits)?;
    load_files(files, limits)
}

/// Reads the files of the chart in `dir` as Helm's `LoadDir` does before loading them: paths
/// relative to `dir` with `/` separators, in Helm's walk order, minus what `.helmignore` and
/// Helm's default rule exclude.
///
/// # Errors
/// An unreadable directory or file, a bad `.helmignore` rule, an irregular file, a broken,
/// external or looping symlink, a file over `max_file_bytes`, or more than `max_total_bytes`
/// or `max_files` in all.
pub fn read_chart_dir(dir: &Path, limits: &LoadLimits) -> Result<Vec<File>, LoadError> {
    let root = std::path::absolute(dir).map_err(|e| io_error("cannot resolve", dir, &e))?;
    let meta = fs::metadata(&root).map_err(|e| io_error("stat", &root, &e))?;
    if !meta.is_dir() {
        return Err(LoadError::Io(format!(
            "{} is not a chart directory",
            root.display()
        )));
    }
    let canonical_root = fs::canonicalize(&root).map_err(|e| io_error("stat", &root, &e))?;
    let ignore_file = root.join(".helmignore");
    let mut rules = if fs::metadata(&ignore_file).is_ok() {
        let text = fs::read(&ignore_file).map_err(|e| io_error("read", &ignore_file, &e))?;
        Rules::parse(&String::from_utf8_lossy(&text))?
    } else {
        Rules::default()
    };
    rules.add_defaults();
    let mut walk = Walk {
        rules: &rules,
        limits,
        files: Vec::new(),
        total: 0,
        stack: vec![canonical_root.clone()],
        root: canonical_root,
    };
    walk.dir(&root, "")?;
    Ok(walk.files)
}

/// Helm's message for a symlink that does not resolve, naming where it points as Go's
/// `EvalSymlinks` does (`lstat /chart/missing: no such file or directory`).
fn broken_symlink(path: &Path, e: &std::io::Error) -> LoadError {
    let target = fs::read_link(path)
        .map(|t| path.parent().unwrap_or(Path::new("/")).join(t))
        .unwrap_or_else(|_| path.to_path_buf());
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    LoadError::BrokenSymlink {
        path: path.display().to_string(),
        message: format!("lstat {}: {reason}", target.display()),
    }
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io(format!("{action} {}: {e}", path.display()))
}

struct Walk<'a> {
    rules: &'a Rules,
    limits: &'a LoadLimits,
    files: Vec<File>,
    total: u64,
    /// The canonical chart directory.
    root: PathBuf,
    /// Canonical paths of the directories being walked, to catch symlink loops.
    stack: Vec<PathBuf>,
}

impl Walk<'_> {
    /// Walks a directory's entries in Go's `sort.Strings` order (bytewise), descending into a
    /// subdirectory where its name falls, as `sympath.Walk` does.
    fn dir(&mut self, path: &Path, rel: &str) -> Result<(), LoadError> {
        let mut names: Vec<std::ffi::OsString> = fs::read_dir(path)
            .map_err(|e| io_error("open", path, &e))?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(|e| io_error("read", path, &e))?;
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            let child = path.join(&name);
            let Some(name) = name.to_str() else {
                return Err(LoadError::NonUtf8Name(child.display().to_string()));
            };
            let child_rel = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            self.entry(&child, &child_rel)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, rel: &str) -> Result<(), LoadError> {
        let lmeta = fs::symlink_metadata(path).map_err(|e| io_error("lstat", path, &e))?;
        let mut target = None;
        let meta = if lmeta.file_type().is_symlink() {
            let resolved = fs::canonicalize(path).map_err(|e| broken_symlink(path, &e))?;
            let meta = fs::metadata(&resolved).map_err(|e| io_error("stat", &resolved, &e))?;
            target = Some(resolved);
            meta
        } else {
            lmeta
        };
        let is_dir = meta.is_dir();
        if self.rules.ignore(rel, is_dir) {
            return Ok(());
        }
        if let Some(resolved) = &target
            && !self.limits.allow_external_symlinks
            && !resolved.starts_with(&self.root)
        {
            return Err(LoadError::ExternalSymlink {
                path: path.display().to_string(),
                target: resolved.display().to_string(),
            });
        }
        if is_dir {
            let canonical = match &target {
                Some(resolved) => resolved.clone(),
                None => fs::canonicalize(path).map_err(|e| io_error("stat", path, &e))?,
            };
            if self.stack.contains(&canonical) {
                return Err(LoadError::SymlinkLoop(path.display().to_string()));
            }
            self.stack.push(canonical);
            let result = self.dir(path, rel);
            self.stack.pop();
            return result;
        }
        if !meta.is_file() {
            return Err(LoadError::IrregularFile(path.display().to_string()));
        }
        // Helm names the file by its own base name (the link target's, for a symlink).
        let shown = target.as_deref().unwrap_or(path);
        let too_large = || LoadError::DirFileTooLarge {
            name: quote(&shown.file_name().unwrap_or_default().to_string_lossy()),
            max: self.limits.max_file_bytes,
        };
        if meta.len() > self.limits.max_file_bytes {
            return Err(too_large());
        }
        if self.files.len() >= self.limits.max_files {
            return Err(LoadError::TooManyFiles {
                max: self.limits.max_files,
            });
        }
        // Read at most one byte past the limit, in case the file grew since it was examined.
        let mut data = Vec::with_capacity(meta.len() as usize);
        fs::File::open(path)
            .and_then(|f| {
                f.take(self.limits.max_file_bytes + 1)
                    .read_to_end(&mut data)
            })
            .map_err(|e| LoadError::Io(format!("error reading {rel}: {e}")))?;
        if data.len() as u64 > self.limits.max_file_bytes {
            return Err(too_large());
        }
        self.total += data.len() as u64;
        if self.total > self.limits.max_total_bytes {
            return Err(LoadError::DirTooLarge {
                max: self.limits.max_total_bytes,
            });
        }
        let data: Arc<[u8]> = match data.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => Arc::from(rest),
            None => Arc::from(data),
        };
        self.files.push(File {
            name: rel.to_string(),
            data,
        });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// .helmignore: Helm's pkg/ignore.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// `/pattern`: matched against the whole path, from the chart root.
    Rooted,
    /// A pattern with a `/`: matched against the whole path.
    Path,
    /// A pattern without `/`: matched against the base name only.
    Base,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    scope: Scope,
    negate: bool,
    must_dir: bool,
}

/// A parsed `.helmignore`.
#[derive(Debug, Clone, Default)]
struct Rules {
    patterns: Vec<Pattern>,
}

/// `bufio.Scanner`'s longest line.
const MAX_LINE: usize = 64 * 1024;

impl Rules {
    /// Helm's `ignore.Parse`: one rule a line, trimmed; blank lines and `#` comments skipped.
    fn parse(text: &str) -> Result<Rules, LoadError> {
        let mut rules = Rules::default();
        for line in text.split_inclusive('\n') {
            let line = line.strip_suffix('\n').unwrap_or(line);
            if line.len() >= MAX_LINE {
                return Err(LoadError::Ignore("bufio.Scanner: token too long".into()));
            }
            rules.add(line.strip_suffix('\r').unwrap_or(line))?;
        }
        Ok(rules)
    }

    /// Helm's `AddDefaults`: dotfiles directly under `templates/` are ignored.
    fn add_defaults(&mut self) {
        // The default rule is valid, so this cannot fail.
        let _ = self.add("templates/.?*");
    }

    /// Helm's `parseRule`.
    fn add(&mut self, rule: &str) -> Result<(), LoadError> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(LoadError::Ignore(
                "double-star (**) syntax is not supported".into(),
            ));
        }
        if go_match(rule, "abc").is_err() {
            return Err(LoadError::Ignore("syntax error in pattern".into()));
        }
        let (negate, rule) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rule) = match rule.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (scope, glob) = if let Some(r) = rule.strip_prefix('/') {
            (Scope::Rooted, r)
        } else if rule.contains('/') {
            (Scope::Path, rule)
        } else {
            (Scope::Base, rule)
        };
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            scope,
            negate,
            must_dir,
        });
        Ok(())
    }

    /// Helm's `Ignore`, quirks included: the first matching rule decides, and a negated rule
    /// that does not match ignores the path.
    fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let subject = match p.scope {
                Scope::Rooted | Scope::Path => path,
                Scope::Base => go_base(path),
            };
            let matched = go_match(&p.glob, subject).unwrap_or(false);
            if p.negate {
                if (p.must_dir && !is_dir) || !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Base` on Unix.
fn go_base(p: &str) -> &str {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// The pattern is malformed (`filepath.ErrBadPattern`).
#[derive(Debug)]
struct BadPattern;

/// Go's `filepath.Match` on Unix: `*`, `?`, `[...]` classes (`^` negation, ranges, `\`
/// escapes), `\` escapes; `*` and `?` never match `/`. A malformed part of the pattern is only
/// reported when matching reaches it (Helm accepts `x*[` because `abc` fails at `x`).
fn go_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing * matches the rest of the name unless it has a /.
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        // The last chunk must use up the name; otherwise a later star may still match.
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next star outside a class.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut p = pattern;
    let mut star = false;
    while let [b'*', rest @ ..] = p {
        p = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' if i + 1 < p.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &p[..i], &p[i..])
}

/// Matches a star-free chunk at the start of `s`; the rest of `s` when it matches. After a
/// failure the chunk is still read through, to report a malformed pattern.
fn match_chunk<'s>(mut chunk: &[u8], mut s: &'s [u8]) -> Result<(&'s [u8], bool), BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = 0u32;
                if !failed {
                    let (c, n) = decode_rune(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let literal = if c == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    c
                };
                if !failed {
                    if literal != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((&[], false));
    }
    Ok((s, true))
}

/// One possibly escaped character of a class; the chunk must go on after it.
fn get_esc(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        _ => {}
    }
    let (r, n) = decode_rune(chunk);
    if r == 0xFFFD && n == 1 {
        return Err(BadPattern);
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

/// `utf8.DecodeRune`: the first character and its length, U+FFFD and 1 for a bad byte.
fn decode_rune(s: &[u8]) -> (u32, usize) {
    for len in 1..=4.min(s.len()) {
        if let Ok(text) = std::str::from_utf8(&s[..len])
            && let Some(c) = text.chars().next()
        {
            return (c as u32, len);
        }
    }
    (0xFFFD, 1)
}

#[cfg(test)]
mod tests {
    //! Expected values were recorded from Helm v4.2.3 (`helm_python.Chart.load` on the same
    //! directories), except where a test says the behavior is ours.

    use super::*;

    /// A fresh directory under the system's temporary directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(test: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("helm-operator-local-{}-{test}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const CY: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

    /// The chart every case starts from, in a directory `c` under `parent`.
    fn base_chart(parent: &Path, helmignore: Option<&[u8]>, extra: &[(&str, &[u8])]) -> PathBuf {
        let root = parent.join("c");
        let mut files: Vec<(&str, &[u8])> = vec![
            ("Chart.yaml", CY),
            ("templates/a.yaml", b"a"),
            ("templates/.dot", b"d"),
            ("templates/sub/.dot2", b"d"),
            ("README.md", b"r"),
            ("docs/x.txt", b"x"),
            ("docs/y.md", b"y"),
            (".git/config", b"g"),
            ("values.yaml", b"a: 1\n"),
            ("docs.txt", b"order"),
            ("docs0", b"o"),
        ];
        files.extend_from_slice(extra);
        if let Some(h) = helmignore {
            files.push((".helmignore", h));
        }
        for (name, data) in files {
            let p = root.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, data).unwrap();
        }
        root
    }

    fn shape(c: &Chart) -> (Vec<String>, Vec<String>) {
        let names = |f: &[File]| f.iter().map(|x| x.name.clone()).collect();
        (names(&c.templates), names(&c.files))
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_chart_directory_is_walked_in_helms_order_minus_what_helmignore_excludes() {
        let tmpl = ["templates/a.yaml", "templates/sub/.dot2"];
        let all = [
            ".git/config",
            ".helmignore",
            "README.md",
            "docs/x.txt",
            "docs/y.md",
            "docs.txt",
            "docs0",
        ];
        let without = |gone: &[&str]| -> Vec<&str> {
            all.iter().copied().filter(|f| !gone.contains(f)).collect()
        };
        let longest = [&[b'a'; 65535][..], b"\n*.md\n"].concat();
        let too_long = [&[b'a'; 65536][..], b"\n*.md\n"].concat();
        type Kept<'a> = Result<(Vec<&'a str>, Vec<&'a str>), &'a str>;
        let cases: Vec<(&str, &[u8], Kept)> = vec![
            ("empty", b"", Ok((tmpl.to_vec(), all.to_vec()))),
            (
                "glob",
                b"*.md\n",
                Ok((tmpl.to_vec(), without(&["README.md", "docs/y.md"]))),
            ),
            (
                "directory",
                b"docs/\n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt", "docs/y.md"]))),
            ),
            (
                "directory without slash",
                b"docs\n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt", "docs/y.md"]))),
            ),
            (
                "directory glob",
                b"doc*/\n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt", "docs/y.md"]))),
            ),
            (
                "comment and spaces",
                b"# *.md\n  *.txt  \n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt", "docs.txt"]))),
            ),
            (
                "path",
                b"docs/*.md\n",
                Ok((tmpl.to_vec(), without(&["docs/y.md"]))),
            ),
            (
                "rooted",
                b"/README.md\n",
                Ok((tmpl.to_vec(), without(&["README.md"]))),
            ),
            (
                "rooted matches only at the root",
                b"/x.txt\n",
                Ok((tmpl.to_vec(), all.to_vec())),
            ),
            ("templates", b"templates/\n", Ok((vec![], all.to_vec()))),
            (
                "a template",
                b"templates/a.yaml\n",
                Ok((vec!["templates/sub/.dot2"], all.to_vec())),
            ),
            (
                "dotfiles",
                b".*\n",
                Ok((
                    vec!["templates/a.yaml"],
                    vec!["README.md", "docs/x.txt", "docs/y.md", "docs.txt", "docs0"],
                )),
            ),
            (
                "range",
                b"[a-d]*.txt\n",
                Ok((tmpl.to_vec(), without(&["docs.txt"]))),
            ),
            (
                "negated class",
                b"[^R]*.md\n",
                Ok((tmpl.to_vec(), without(&["docs/y.md"]))),
            ),
            (
                "question mark",
                b"?EADME.md\n",
                Ok((tmpl.to_vec(), without(&["README.md"]))),
            ),
            (
                "question mark never matches a slash",
                b"docs?x.txt\n",
                Ok((tmpl.to_vec(), all.to_vec())),
            ),
            (
                "star within a path",
                b"d*s/x.txt\n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt"]))),
            ),
            (
                "star before a slash",
                b"*/x.txt\n",
                Ok((tmpl.to_vec(), without(&["docs/x.txt"]))),
            ),
            (
                "dot directory",
                b".git/\n",
                Ok((tmpl.to_vec(), without(&[".git/config"]))),
            ),
            (
                "CRLF lines",
                b"*.md\r\n*.txt\r\n",
                Ok((tmpl.to_vec(), vec![".git/config", ".helmignore", "docs0"])),
            ),
            (
                "escaped star",
                b"\\*.md\n",
                Ok((tmpl.to_vec(), all.to_vec())),
            ),
            (
                "bad pattern past a failed match",
                b"x*[\n",
                Ok((tmpl.to_vec(), all.to_vec())),
            ),
            (
                "longest line",
                &longest,
                Ok((tmpl.to_vec(), without(&["README.md", "docs/y.md"]))),
            ),
            // Helm's negation: a rule that does not match ignores the path.
            (
                "negation",
                b"!README.md\n",
                Err("Chart.yaml file is missing"),
            ),
            (
                "negation after a match",
                b"*.md\n!README.md\n",
                Err("Chart.yaml file is missing"),
            ),
            (
                "negated directory",
                b"!docs/\n",
                Err("Chart.yaml file is missing"),
            ),
            ("negated Chart.yaml", b"!Chart.yaml\n", Ok((vec![], vec![]))),
            ("everything", b"*\n", Err("Chart.yaml file is missing")),
            (
                "Chart.yaml",
                b"Chart.yaml\n",
                Err("Chart.yaml file is missing"),
            ),
            (
                "double star",
                b"**/*.md\n",
                Err("double-star (**) syntax is not supported"),
            ),
            ("open class", b"[\n", Err("syntax error in pattern")),
            (
                "open class after text",
                b"a[\n",
                Err("syntax error in pattern"),
            ),
            ("lone backslash", b"\\\n", Err("syntax error in pattern")),
            ("open range", b"[z-]\n", Err("syntax error in pattern")),
            (
                "escaped space trimmed away",
                b"*.md\\ \n",
                Err("syntax error in pattern"),
            ),
            (
                "too long a line",
                &too_long,
                Err("bufio.Scanner: token too long"),
            ),
        ];
        for (what, helmignore, want) in cases {
            let tmp = TempDir::new("walk");
            let root = base_chart(&tmp.0, Some(helmignore), &[("*.md", b"s"), ("]x", b"s")]);
            let got = load_dir(&root, &LoadLimits::default())
                .map(|c| shape(&c))
                .map_err(|e| e.to_string());
            let want = want
                .map(|(t, f)| (strings(&t), strings(&f)))
                .map_err(str::to_string);
            // The two odd files only matter to the escape cases; drop them from the comparison.
            let got = got.map(|(t, f)| {
                (
                    t,
                    f.into_iter().filter(|n| n != "*.md" && n != "]x").collect(),
                )
            });
            assert_eq!(got, want, "{what}");
        }
        // A class with an escaped bracket, and an escaped star, match those literal names.
        let tmp = TempDir::new("walk-escapes");
        let root = base_chart(
            &tmp.0,
            Some(b"[\\]]x\n\\*.md\n"),
            &[("*.md", b"s"), ("]x", b"s")],
        );
        let (_, files) = shape(&load_dir(&root, &LoadLimits::default()).unwrap());
        assert!(!files.contains(&"*.md".to_string()) && !files.contains(&"]x".to_string()));
    }

    #[test]
    fn without_helmignore_only_dotfiles_directly_under_templates_are_left_out() {
        let tmp = TempDir::new("defaults");
        let root = base_chart(
            &tmp.0,
            None,
            &[
                ("templates/b.yaml", b"\xEF\xBB\xBFz"),
                ("emptydir/.keep", b""),
            ],
        );
        fs::remove_file(root.join("emptydir/.keep")).unwrap();
        let c = load_dir(&root, &LoadLimits::default()).unwrap();
        assert_eq!(
            shape(&c),
            (
                strings(&[
                    "templates/a.yaml",
                    "templates/b.yaml",
                    "templates/sub/.dot2"
                ]),
                strings(&[
                    ".git/config",
                    "README.md",
                    "docs/x.txt",
                    "docs/y.md",
                    "docs.txt",
                    "docs0"
                ])
            )
        );
        // The BOM is removed, as Helm's directory loader does.
        assert_eq!(c.templates[1].data.as_ref(), b"z");
        assert_eq!(
            c.values,
            serde_json::json!({"a": 1.0}).as_object().cloned().unwrap()
        );
    }

    #[test]
    fn subcharts_in_a_directory_load_and_only_the_top_helmignore_applies() {
        let tmp = TempDir::new("subcharts");
        let mut archive = Vec::new();
        {
            let mut body = Vec::new();
            let data = b"apiVersion: v2\nname: s\nversion: 0.1.0\n";
            let mut h = vec![0u8; 512];
            h[..12].copy_from_slice(b"s/Chart.yaml");
            h[100..108].copy_from_slice(b"0000644\0");
            h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
            h[156] = b'0';
            h[257..265].copy_from_slice(b"ustar\x0000");
            h[148..156].copy_from_slice(b"        ");
            let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
            h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            body.extend(h);
            body.extend(data);
            body.resize(512 * 2 + 1024, 0);
            let mut e = flate2::write::GzEncoder::new(&mut archive, flate2::Compression::default());
            std::io::Write::write_all(&mut e, &body).unwrap();
            e.finish().unwrap();
        }
        let root = base_chart(
            &tmp.0,
            Some(b""),
            &[
                (
                    "charts/sub/Chart.yaml",
                    b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
                ),
                ("charts/sub/templates/.x", b"x"),
                ("charts/sub/.helmignore", b"*.txt\n"),
                ("charts/sub/a.txt", b"a"),
                ("charts/s-0.1.0.tgz", &archive),
            ],
        );
        let c = load_dir(&root, &LoadLimits::default()).unwrap();
        let deps: Vec<&str> = c
            .dependencies
            .iter()
            .map(|d| d.metadata.name.as_str())
            .collect();
        assert_eq!(deps, ["s", "sub"]);
        assert_eq!(
            shape(&c.dependencies[1]),
            (
                strings(&["templates/.x"]),
                strings(&[".helmignore", "a.txt"])
            )
        );
        let root2 = base_chart(
            &tmp.0.join("2"),
            Some(b"charts/sub/\n"),
            &[("charts/sub/Chart.yaml", b"bad: [")],
        );
        assert!(
            load_dir(&root2, &LoadLimits::default())
                .unwrap()
                .dependencies
                .is_empty()
        );
    }

    #[test]
    fn symlinks_inside_the_chart_are_followed_as_helm_follows_them() {
        let tmp = TempDir::new("symlinks");
        let root = base_chart(&tmp.0, None, &[]);
        std::os::unix::fs::symlink("README.md", root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink("docs", root.join("linked")).unwrap();
        let (_, files) = shape(&load_dir(&root, &LoadLimits::default()).unwrap());
        assert_eq!(
            files,
            strings(&[
                ".git/config",
                "README.md",
                "docs/x.txt",
                "docs/y.md",
                "docs.txt",
                "docs0",
                "link.txt",
                "linked/x.txt",
                "linked/y.md"
            ])
        );
        // A broken link is an error even when .helmignore names it, as in Helm.
        std::os::unix::fs::symlink("nope", root.join("broken")).unwrap();
        fs::write(root.join(".helmignore"), "broken\n").unwrap();
        assert_eq!(
            load_dir(&root, &LoadLimits::default())
                .unwrap_err()
                .to_string(),
            format!(
                "error evaluating symlink {0}/broken: lstat {0}/nope: no such file or directory",
                root.display()
            )
        );
    }

    #[test]
    fn symlinks_leaving_the_chart_or_looping_are_refused_unlike_helm() {
        // Ours: Helm reads whatever an external link points to, and walks a loop until the
        // path grows too long.
        let tmp = TempDir::new("external");
        let root = base_chart(&tmp.0, None, &[]);
        fs::write(tmp.0.join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(tmp.0.join("secret"), root.join("passwd")).unwrap();
        let canonical_secret = fs::canonicalize(tmp.0.join("secret")).unwrap();
        assert_eq!(
            load_dir(&root, &LoadLimits::default()).unwrap_err(),
            LoadError::ExternalSymlink {
                path: root.join("passwd").display().to_string(),
                target: canonical_secret.display().to_string(),
            }
        );
        let allowed = LoadLimits {
            allow_external_symlinks: true,
            ..LoadLimits::default()
        };
        let c = load_dir(&root, &allowed).unwrap();
        assert!(
            c.files
                .iter()
                .any(|f| f.name == "passwd" && f.data.as_ref() == b"s")
        );
        fs::write(root.join(".helmignore"), "passwd\n").unwrap();
        assert!(
            load_dir(&root, &LoadLimits::default()).is_ok(),
            "an ignored link is never read"
        );
        fs::remove_file(root.join("passwd")).unwrap();
        std::os::unix::fs::symlink("..", root.join("docs/up")).unwrap();
        assert_eq!(
            load_dir(&root, &LoadLimits::default()).unwrap_err(),
            LoadError::SymlinkLoop(root.join("docs/up").display().to_string())
        );
    }

    #[test]
    fn irregular_and_oversized_files_are_refused_unless_ignored() {
        let tmp = TempDir::new("irregular");
        let root = base_chart(&tmp.0, None, &[]);
        let socket = root.join("docs/sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert_eq!(
            load_dir(&root, &LoadLimits::default())
                .unwrap_err()
                .to_string(),
            format!(
                "cannot load irregular file {} as it has file mode type bits set",
                socket.display()
            )
        );
        fs::write(root.join(".helmignore"), "sock\n").unwrap();
        assert!(load_dir(&root, &LoadLimits::default()).is_ok());
        // Helm names the file by its base name (recorded with its 5 MiB limit).
        let limits = LoadLimits {
            max_file_bytes: 40,
            ..LoadLimits::default()
        };
        fs::write(root.join("docs/big.bin"), [b'a'; 40]).unwrap();
        assert!(read_chart_dir(&root, &limits).is_ok());
        fs::write(root.join("docs/big.bin"), [b'a'; 41]).unwrap();
        assert_eq!(
            read_chart_dir(&root, &limits).unwrap_err().to_string(),
            "chart file \"big.bin\" is larger than the maximum file size 40"
        );
    }

    #[test]
    fn a_chart_directory_is_bounded_in_total_size_and_file_count() {
        // Ours: Helm v4.2.3 has no total for directories (later Helm words it this way).
        let tmp = TempDir::new("bounded");
        let root = base_chart(&tmp.0, None, &[]);
        let total: u64 = read_chart_dir(&root, &LoadLimits::default())
            .unwrap()
            .iter()
            .map(|f| f.data.len() as u64)
            .sum();
        let limits = LoadLimits {
            max_total_bytes: total,
            ..LoadLimits::default()
        };
        assert!(read_chart_dir(&root, &limits).is_ok());
        let limits = LoadLimits {
            max_total_bytes: total - 1,
            ..LoadLimits::default()
        };
        assert_eq!(
            read_chart_dir(&root, &limits).unwrap_err().to_string(),
            format!(
                "chart exceeds maximum decompressed size of {} bytes",
                total - 1
            )
        );
        let limits = LoadLimits {
            max_files: 3,
            ..LoadLimits::default()
        };
        assert_eq!(
            read_chart_dir(&root, &limits).unwrap_err(),
            LoadError::TooManyFiles { max: 3 }
        );
        assert!(read_chart_dir(&tmp.0.join("missing"), &LoadLimits::default()).is_err());
        assert!(read_chart_dir(&root.join("Chart.yaml"), &LoadLimits::default()).is_err());
    }

    #[test]
    fn globs_match_as_gos_filepath_match() {
        let cases = [
            ("*", "abc", Some(true)),
            ("*", "a/b", Some(false)),
            ("a*c", "abbbc", Some(true)),
            ("a*/b", "abc/b", Some(true)),
            ("a?c", "a/c", Some(false)),
            ("[a-c]x", "bx", Some(true)),
            ("[^a-c]x", "bx", Some(false)),
            ("[\\-]x", "-x", Some(true)),
            ("\\*", "*", Some(true)),
            ("[]a]", "]", None),
            ("[a", "a", None),
            ("a\\", "a", None),
            ("x*[", "abc", Some(false)),
            ("*.é", "x.é", Some(true)),
            ("[é]", "é", Some(true)),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(go_match(pattern, name).ok(), want, "{pattern} {name}");
        }
    }
}
