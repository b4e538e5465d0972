//! Loading a chart from bytes exactly as Helm v4.2.3's `pkg/chart/v2/loader` does: a `.tgz`
//! archive (gzip and tar read the way Go's `compress/gzip` and `archive/tar` read them, with
//! Helm's path checks and size limits) or an already-read file list, into a [`Chart`] with its
//! subcharts. `Chart.yaml`, `requirements.yaml` and the lock files are decoded the way
//! `sigs.k8s.io/yaml` and `encoding/json` decode them into Helm's Go structs (numbers and
//! booleans become strings where Go wants a string, keys match case-insensitively, a second
//! `Chart.yaml` merges into the first, the first type error wins), then validated with Helm's
//! rules and messages.
//!
//! Beyond Helm, for safety: symlinks, hard links, devices, FIFOs and sparse or unknown entry
//! types in archives are refused (Helm loads them as empty files), and the whole chart tree is
//! bounded (files, bytes, nesting depth, decompressed stream), each with its own error.
//!
//! Pure: bytes in, chart out. Reading directories is `crate::source::local`'s business.

use crate::engine::yaml::parse::number_for_string_field;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Chart, Dependency, File, Maintainer, Metadata};
use crate::engine::funcs::semver::parse_version;
use crate::engine::gostr::{is_print, quote, quote_bytes};
use crate::engine::yaml::parse::{load_values, yaml_to_json};

const MIB: u64 = 1024 * 1024;

/// Size and shape limits for loading a chart. The defaults are Helm's where Helm has a limit
/// (`MaxDecompressedFileSize`, `MaxDecompressedChartSize`) and conservative otherwise: the
/// largest chart of the test corpus has 424 files and 5.7 MB across all its subcharts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest compressed archive accepted (not a Helm limit; default 128 MiB, above what can
    /// decompress to less than Helm's chart limit).
    pub max_archive_bytes: u64,
    /// Largest file, decompressed (Helm's `MaxDecompressedFileSize`: 5 MiB).
    pub max_file_bytes: u64,
    /// Largest sum of file sizes in one archive or one chart directory (Helm's
    /// `MaxDecompressedChartSize`: 100 MiB; Helm counts each subchart archive on its own and
    /// has no total for directories).
    pub max_total_bytes: u64,
    /// Most files in a chart and all its subcharts together (not a Helm limit; default 10,000).
    pub max_files: usize,
    /// Largest sum of file sizes in a chart and all its subcharts, nested archives counted both
    /// packed and unpacked (not a Helm limit; default 256 MiB).
    pub max_tree_bytes: u64,
    /// Deepest subchart nesting (not a Helm limit; default 10).
    pub max_depth: usize,
    /// Whether a chart directory may contain symlinks that resolve outside it (Helm follows
    /// them; default false).
    pub allow_external_symlinks: bool,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_archive_bytes: 128 * MIB,
            max_file_bytes: 5 * MIB,
            max_total_bytes: 100 * MIB,
            max_files: 10_000,
            max_tree_bytes: 256 * MIB,
            max_depth: 10,
            allow_external_symlinks: false,
        }
    }
}

/// Why a chart could not be loaded. Where Helm refuses the same input, the message is Helm's
/// (recorded from Helm v4.2.3); the variants marked "ours" are limits and refusals Helm lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// A gzip or tar format error, worded as Go's readers word it (`unexpected EOF`,
    /// `gzip: invalid header`, `archive/tar: invalid tar header`, ...).
    #[error("{0}")]
    Format(String),
    /// An archive entry's path is absolute.
    #[error("chart illegally contains absolute paths")]
    AbsolutePath,
    /// An archive entry lies outside the chart's top directory (the raw entry name, quoted).
    #[error("chart illegally contains content outside the base directory: {0}")]
    OutsideBase(String),
    /// An archive entry's path starts with `..`.
    #[error("chart illegally references parent directory")]
    ParentReference,
    /// An archive entry's path looks like a Windows drive path.
    #[error("chart contains illegally named files")]
    IllegalName,
    /// An archive's first path element is `Chart.yaml`.
    #[error("chart yaml not in base directory")]
    ChartYamlNotInBase,
    /// An archive's files add up to more than `max_total_bytes`.
    #[error("decompressed chart is larger than the maximum size {max}")]
    ChartTooLarge {
        /// The limit.
        max: u64,
    },
    /// An archive entry is larger than `max_file_bytes` (the raw entry name, quoted).
    #[error("decompressed chart file {name} is larger than the maximum file size {max}")]
    FileTooLarge {
        /// The entry name, Go-quoted.
        name: String,
        /// The limit.
        max: u64,
    },
    /// A chart directory's file is larger than `max_file_bytes` (its base name, quoted).
    #[error("chart file {name} is larger than the maximum file size {max}")]
    DirFileTooLarge {
        /// The file's base name, Go-quoted.
        name: String,
        /// The limit.
        max: u64,
    },
    /// A chart directory's files add up to more than `max_total_bytes` (ours: Helm v4.2.3 has
    /// no such limit; the wording is later Helm's).
    #[error("chart exceeds maximum decompressed size of {max} bytes")]
    DirTooLarge {
        /// The limit.
        max: u64,
    },
    /// The archive has no files.
    #[error("no files in chart archive")]
    NoFiles,
    /// Ours: an archive entry that is not a regular file or directory.
    #[error("chart archive entry {name} is {kind}; only regular files and directories are allowed")]
    ForbiddenEntry {
        /// The entry name, Go-quoted.
        name: String,
        /// What it is (`a symbolic link`, `a hard link`, ...).
        kind: String,
    },
    /// Ours: a path that is not valid UTF-8.
    #[error("chart contains a file name that is not valid UTF-8: {0}")]
    NonUtf8Name(String),
    /// Ours: the compressed archive is larger than `max_archive_bytes`.
    #[error("chart archive is {size} bytes, larger than the maximum {max}")]
    ArchiveTooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Ours: the decompressed tar stream (file data, headers, padding) is implausibly large for
    /// the limits, e.g. endless directory entries.
    #[error("decompressed chart archive is larger than the maximum {max} bytes")]
    StreamTooLarge {
        /// The limit.
        max: u64,
    },
    /// Ours: more than `max_files` files in the chart tree.
    #[error("chart has more than {max} files")]
    TooManyFiles {
        /// The limit.
        max: usize,
    },
    /// Ours: the chart tree's files add up to more than `max_tree_bytes`.
    #[error("chart and its subcharts are larger than the maximum {max} bytes")]
    TreeTooLarge {
        /// The limit.
        max: u64,
    },
    /// Ours: subcharts nested deeper than `max_depth`.
    #[error("subcharts are nested more than {max} levels deep")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// `Chart.yaml` is not valid YAML or does not decode into Helm's metadata.
    #[error("cannot load Chart.yaml: {0}")]
    ChartYaml(String),
    /// `Chart.lock` is not valid YAML or does not decode into Helm's lock.
    #[error("cannot load Chart.lock: {0}")]
    ChartLock(String),
    /// `requirements.yaml` is not valid YAML or does not decode into Helm's metadata.
    #[error("cannot load requirements.yaml: {0}")]
    Requirements(String),
    /// `requirements.lock` is not valid YAML or does not decode into Helm's lock.
    #[error("cannot load requirements.lock: {0}")]
    RequirementsLock(String),
    /// `values.yaml` is not a valid values file.
    #[error("cannot load values.yaml: {0}")]
    Values(String),
    /// No `Chart.yaml` (nor `requirements.yaml` or `requirements.lock`, which also create
    /// metadata in Helm).
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    /// Helm's metadata validation (`chart.metadata.name is required`, ...).
    #[error("validation: {0}")]
    Validation(String),
    /// A `charts/*.tgz` path that is a directory in the archive.
    #[error("error unpacking subchart tar in {parent}: expected {expected}, got {got}")]
    SubchartTar {
        /// The parent chart's name.
        parent: String,
        /// The archive name.
        expected: String,
        /// The first file found under it.
        got: String,
    },
    /// A subchart failed to load.
    #[error("error unpacking subchart {name} in {parent}: {source}")]
    Subchart {
        /// The subchart's entry under `charts/`.
        name: String,
        /// The parent chart's name.
        parent: String,
        /// Why.
        source: Box<LoadError>,
    },
    /// A `.helmignore` rule Helm refuses (`syntax error in pattern`, ...).
    #[error("{0}")]
    Ignore(String),
    /// A chart directory entry that is not a regular file (its full path).
    #[error("cannot load irregular file {0} as it has file mode type bits set")]
    IrregularFile(String),
    /// A symlink in a chart directory that does not resolve.
    #[error("error evaluating symlink {path}: {message}")]
    BrokenSymlink {
        /// The link's path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// Ours: a symlink in a chart directory that resolves outside it.
    #[error("symlink {path} resolves to {target}, outside the chart directory")]
    ExternalSymlink {
        /// The link's path.
        path: String,
        /// Where it resolves.
        target: String,
    },
    /// Ours: a directory symlink that leads back into a directory being read.
    #[error("symlink {0} leads back into a directory of the chart (a loop)")]
    SymlinkLoop(String),
    /// Reading the chart directory failed.
    #[error("{0}")]
    Io(String),
}

/// Loads a chart from `.tgz` bytes, as Helm's `loader.LoadArchive` does.
///
/// # Errors
/// Any [`LoadError`]: a malformed archive, an unsafe or oversized entry, invalid metadata or
/// values, or a subchart that fails to load.
pub fn load_archive(tgz: &[u8], limits: &LoadLimits) -> Result<Chart, LoadError> {
    let mut budget = Budget::new(limits);
    load_archive_at(tgz, &mut budget, 0)
}

/// Reads an archive's files as Helm's `LoadArchiveFiles` does, without building a chart: the
/// top directory removed from every path, the path checks and size limits applied, a UTF-8 BOM
/// removed from every file.
///
/// # Errors
/// A malformed archive or an unsafe or oversized entry.
pub fn archive_files(tgz: &[u8], limits: &LoadLimits) -> Result<Vec<File>, LoadError> {
    let mut budget = Budget::new(limits);
    read_archive(tgz, &mut budget)
}

/// Loads a chart from files already read, with paths relative to the chart root, as Helm's
/// `loader.LoadFiles` does (files are taken as they are: no BOM removal, no per-file size
/// check). Subchart archives under `charts/` are loaded with `limits`.
///
/// # Errors
/// Any [`LoadError`] about metadata, values, lock files or subcharts, or a tree limit.
pub fn load_files(files: Vec<File>, limits: &LoadLimits) -> Result<Chart, LoadError> {
    let mut budget = Budget::new(limits);
    for f in &files {
        budget.add_file(f.data.len() as u64)?;
    }
    load_files_at(files, &mut budget, 0)
}

/// Counters shared by a whole chart tree.
struct Budget<'l> {
    limits: &'l LoadLimits,
    files: usize,
    bytes: u64,
}

impl<'l> Budget<'l> {
    fn new(limits: &'l LoadLimits) -> Self {
        Budget {
            limits,
            files: 0,
            bytes: 0,
        }
    }

    /// Checks that one more file of `size` bytes fits, before it is read.
    fn check_file(&self, size: u64) -> Result<(), LoadError> {
        if self.files >= self.limits.max_files {
            return Err(LoadError::TooManyFiles {
                max: self.limits.max_files,
            });
        }
        if self.bytes.saturating_add(size) > self.limits.max_tree_bytes {
            return Err(LoadError::TreeTooLarge {
                max: self.limits.max_tree_bytes,
            });
        }
        Ok(())
    }

    fn add_file(&mut self, size: u64) -> Result<(), LoadError> {
        self.check_file(size)?;
        self.files += 1;
        self.bytes += size;
        Ok(())
    }
}

fn load_archive_at(tgz: &[u8], budget: &mut Budget<'_>, depth: usize) -> Result<Chart, LoadError> {
    let files = read_archive(tgz, budget)?;
    load_files_at(files, budget, depth)
}

// ---------------------------------------------------------------------------------------
// Archives: Helm's LoadArchiveFiles over Go-compatible gzip and tar readers.
// ---------------------------------------------------------------------------------------

/// How a read ended early, as Go's `io` errors distinguish it.
#[derive(Debug)]
enum ReadErr {
    /// `io.EOF`: nothing more, at a boundary where that is fine.
    Eof,
    /// `io.ErrUnexpectedEOF`.
    UnexpectedEof,
    /// Anything else, already worded.
    Fail(LoadError),
}

impl ReadErr {
    fn into_load_error(self) -> LoadError {
        match self {
            ReadErr::Eof => LoadError::Format("EOF".into()),
            ReadErr::UnexpectedEof => LoadError::Format("unexpected EOF".into()),
            ReadErr::Fail(e) => e,
        }
    }
}

fn format_err(msg: &str) -> ReadErr {
    ReadErr::Fail(LoadError::Format(msg.to_string()))
}

const GZIP_INVALID_HEADER: &str = "gzip: invalid header";
const TAR_INVALID_HEADER: &str = "archive/tar: invalid tar header";

#[derive(PartialEq, Eq)]
enum GzState {
    /// Inflating a member.
    Body,
    /// A member's deflate stream ended; its trailer is next.
    MemberEnd,
    /// No more members.
    Done,
}

/// Go's `gzip.Reader` (multistream) over a byte slice: the header is checked the way Go checks
/// it, the trailer's CRC and size are checked when a member's data has been read, and more
/// members may follow. Output is capped at `cap` bytes.
struct Gunzip<'a> {
    input: &'a [u8],
    pos: usize,
    member_start: usize,
    inflate: flate2::Decompress,
    crc: flate2::Crc,
    state: GzState,
    chunk: Vec<u8>,
    chunk_pos: usize,
    produced: u64,
    cap: u64,
    failed: Option<String>,
}

impl<'a> Gunzip<'a> {
    /// `gzip.NewReader`: reads the first member's header.
    fn new(input: &'a [u8], cap: u64) -> Result<Self, ReadErr> {
        let mut gz = Gunzip {
            input,
            pos: 0,
            member_start: 0,
            inflate: flate2::Decompress::new(false),
            crc: flate2::Crc::new(),
            state: GzState::Body,
            chunk: Vec::new(),
            chunk_pos: 0,
            produced: 0,
            cap,
            failed: None,
        };
        gz.read_header()?;
        Ok(gz)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.input.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    /// A gzip member header (RFC 1952) with Go's errors: nothing left is `io.EOF`, a partial
    /// header `io.ErrUnexpectedEOF`.
    fn read_header(&mut self) -> Result<(), ReadErr> {
        let start = self.pos;
        if self.pos == self.input.len() {
            return Err(ReadErr::Eof);
        }
        let Some(fixed) = self.take(10) else {
            return Err(ReadErr::UnexpectedEof);
        };
        if fixed[0] != 0x1f || fixed[1] != 0x8b || fixed[2] != 8 {
            return Err(format_err(GZIP_INVALID_HEADER));
        }
        let flags = fixed[3];
        if flags & 0x04 != 0 {
            let len = self.take(2).ok_or(ReadErr::UnexpectedEof)?;
            let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
            self.take(len).ok_or(ReadErr::UnexpectedEof)?;
        }
        for flag in [0x08, 0x10] {
            if flags & flag != 0 {
                // Name and comment: NUL-terminated, within Go's 512-byte buffer.
                let rest = &self.input[self.pos..];
                match rest.iter().take(512).position(|&b| b == 0) {
                    Some(i) => self.pos += i + 1,
                    None if rest.len() < 512 => return Err(ReadErr::UnexpectedEof),
                    None => return Err(format_err(GZIP_INVALID_HEADER)),
                }
            }
        }
        if flags & 0x02 != 0 {
            let mut crc = flate2::Crc::new();
            crc.update(&self.input[start..self.pos]);
            let stored = self.take(2).ok_or(ReadErr::UnexpectedEof)?;
            if u16::from_le_bytes([stored[0], stored[1]]) != (crc.sum() & 0xffff) as u16 {
                return Err(format_err(GZIP_INVALID_HEADER));
            }
        }
        self.member_start = self.pos;
        self.inflate.reset(false);
        self.crc.reset();
        self.state = GzState::Body;
        Ok(())
    }

    /// Like Go's `Read`: `Ok(0)` only at the end of the last member.
    fn read(&mut self, out: &mut [u8]) -> Result<usize, ReadErr> {
        if let Some(msg) = &self.failed {
            return Err(format_err(msg));
        }
        let result = self.read_inner(out);
        if let Err(ReadErr::Fail(LoadError::Format(msg))) = &result {
            self.failed = Some(msg.clone());
        }
        result
    }

    fn read_inner(&mut self, out: &mut [u8]) -> Result<usize, ReadErr> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.chunk_pos < self.chunk.len() {
                let n = out.len().min(self.chunk.len() - self.chunk_pos);
                out[..n].copy_from_slice(&self.chunk[self.chunk_pos..self.chunk_pos + n]);
                self.chunk_pos += n;
                return Ok(n);
            }
            match self.state {
                GzState::Done => return Ok(0),
                GzState::MemberEnd => {
                    let trailer = self.take(8).ok_or(ReadErr::UnexpectedEof)?;
                    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
                    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    if crc != self.crc.sum() || size != self.crc.amount() {
                        return Err(format_err("gzip: invalid checksum"));
                    }
                    match self.read_header() {
                        Ok(()) => {}
                        Err(ReadErr::Eof) => self.state = GzState::Done,
                        Err(e) => return Err(e),
                    }
                }
                GzState::Body => self.inflate_chunk()?,
            }
        }
    }

    fn inflate_chunk(&mut self) -> Result<(), ReadErr> {
        const CHUNK: usize = 32 * 1024;
        self.chunk.resize(CHUNK, 0);
        self.chunk_pos = 0;
        let before_in = self.inflate.total_in();
        let before_out = self.inflate.total_out();
        let status = self
            .inflate
            .decompress(
                &self.input[self.pos..],
                &mut self.chunk,
                flate2::FlushDecompress::None,
            )
            .map_err(|_| {
                // Go reports how far into the member's deflate data it had read; the inflater
                // reads ahead differently, so this offset is close, not exact.
                let offset = self.inflate.total_in().max(1);
                format_err(&format!("flate: corrupt input before offset {offset}"))
            })?;
        let consumed = (self.inflate.total_in() - before_in) as usize;
        let produced = (self.inflate.total_out() - before_out) as usize;
        self.pos += consumed;
        self.chunk.truncate(produced);
        self.crc.update(&self.chunk);
        self.produced += produced as u64;
        if self.produced > self.cap {
            return Err(ReadErr::Fail(LoadError::StreamTooLarge { max: self.cap }));
        }
        if status == flate2::Status::StreamEnd {
            self.state = GzState::MemberEnd;
        } else if produced == 0 && consumed == 0 {
            // No progress: the deflate data stops before its end.
            return Err(ReadErr::UnexpectedEof);
        }
        Ok(())
    }
}

/// A tar header as Go's `archive/tar` hands it out.
struct TarHeader {
    name: Vec<u8>,
    typeflag: u8,
    size: i64,
    mode: i64,
    sparse: bool,
}

/// Go's `tar.Reader`: USTAR, PAX, GNU and V7 headers, PAX records and GNU long names merged
/// into the next entry, Go's end-of-archive rules and errors.
struct TarReader<'a> {
    gz: Gunzip<'a>,
    /// Unread data bytes of the current entry.
    remaining: u64,
    /// Padding after the current entry.
    pad: u64,
}

const BLOCK: usize = 512;
const MAX_SPECIAL_FILE: u64 = 1 << 20;

impl<'a> TarReader<'a> {
    /// `io.ReadFull`: nothing read and the end is `Eof`, part of it `UnexpectedEof`.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<(), ReadErr> {
        let mut n = 0;
        while n < buf.len() {
            let got = self.gz.read(&mut buf[n..])?;
            if got == 0 {
                return Err(if n == 0 {
                    ReadErr::Eof
                } else {
                    ReadErr::UnexpectedEof
                });
            }
            n += got;
        }
        Ok(())
    }

    /// Skips `n` bytes; the end before them is `UnexpectedEof`.
    fn discard(&mut self, mut n: u64) -> Result<(), ReadErr> {
        let mut scratch = [0u8; 4096];
        while n > 0 {
            let want = n.min(scratch.len() as u64) as usize;
            let got = self.gz.read(&mut scratch[..want])?;
            if got == 0 {
                return Err(ReadErr::UnexpectedEof);
            }
            n -= got as u64;
        }
        Ok(())
    }

    /// Reads the current entry's data (at most `n` bytes of it).
    fn read_data(&mut self, n: u64) -> Result<Vec<u8>, ReadErr> {
        let n = n.min(self.remaining);
        let mut data = vec![0u8; n as usize];
        let mut filled = 0;
        while filled < data.len() {
            let got = self.gz.read(&mut data[filled..])?;
            if got == 0 {
                return Err(ReadErr::UnexpectedEof);
            }
            filled += got;
        }
        self.remaining -= n;
        Ok(data)
    }

    fn set_entry(&mut self, size: i64, header_only: bool) -> Result<(), ReadErr> {
        let size = if header_only { 0 } else { size };
        if size < 0 {
            return Err(format_err(TAR_INVALID_HEADER));
        }
        self.remaining = size as u64;
        self.pad = (BLOCK as u64 - self.remaining % BLOCK as u64) % BLOCK as u64;
        Ok(())
    }

    /// `Next`: `Ok(None)` at the end of the archive.
    fn next(&mut self) -> Result<Option<TarHeader>, LoadError> {
        match self.next_inner() {
            Ok(h) => Ok(Some(h)),
            Err(ReadErr::Eof) => Ok(None),
            Err(e) => Err(e.into_load_error()),
        }
    }

    fn next_inner(&mut self) -> Result<TarHeader, ReadErr> {
        let mut pax: Option<Vec<(String, String)>> = None;
        let mut long_name: Option<Vec<u8>> = None;
        loop {
            self.discard(self.remaining)?;
            self.remaining = 0;
            // Go reads the padding with tryReadFull: stopping short of it is a clean end.
            let mut pad = [0u8; BLOCK];
            let want = self.pad as usize;
            self.pad = 0;
            let mut got = 0;
            while got < want {
                let n = self.gz.read(&mut pad[got..want])?;
                if n == 0 {
                    return Err(ReadErr::Eof);
                }
                got += n;
            }
            let mut hdr = self.read_header()?;
            self.set_entry(hdr.size, is_header_only(hdr.typeflag))?;
            match hdr.typeflag {
                b'x' | b'g' => {
                    let records = parse_pax(&self.read_special()?)?;
                    if hdr.typeflag == b'g' {
                        return Ok(hdr);
                    }
                    pax = Some(records);
                }
                b'L' | b'K' => {
                    let data = self.read_special()?;
                    if hdr.typeflag == b'L' {
                        long_name = Some(cstr(&data).to_vec());
                    }
                }
                _ => {
                    if let Some(records) = &pax {
                        merge_pax(&mut hdr, records)?;
                    }
                    if let Some(name) = long_name.take() {
                        hdr.name = name;
                    }
                    if hdr.typeflag == 0 {
                        hdr.typeflag = if hdr.name.ends_with(b"/") { b'5' } else { b'0' };
                    }
                    self.set_entry(hdr.size, is_header_only(hdr.typeflag))?;
                    return Ok(hdr);
                }
            }
        }
    }

    /// A PAX or GNU long-name entry's data, at most 1 MiB as Go allows.
    fn read_special(&mut self) -> Result<Vec<u8>, ReadErr> {
        if self.remaining > MAX_SPECIAL_FILE {
            return Err(format_err("archive/tar: header field too long"));
        }
        self.read_data(self.remaining)
    }

    fn read_header(&mut self) -> Result<TarHeader, ReadErr> {
        let mut block = [0u8; BLOCK];
        self.read_full(&mut block)?;
        if block.iter().all(|&b| b == 0) {
            self.read_full(&mut block)?;
            if block.iter().all(|&b| b == 0) {
                return Err(ReadErr::Eof);
            }
            return Err(format_err(TAR_INVALID_HEADER));
        }
        let format = block_format(&block).ok_or_else(|| format_err(TAR_INVALID_HEADER))?;
        let mut bad = false;
        let mut name = cstr(&block[0..100]).to_vec();
        let mode = parse_numeric(&block[100..108], &mut bad);
        parse_numeric(&block[108..116], &mut bad);
        parse_numeric(&block[116..124], &mut bad);
        let size = parse_numeric(&block[124..136], &mut bad);
        parse_numeric(&block[136..148], &mut bad);
        let mut prefix: &[u8] = &[];
        match format {
            TarFormat::V7 => {}
            TarFormat::Ustar => {
                parse_numeric(&block[329..337], &mut bad);
                parse_numeric(&block[337..345], &mut bad);
                prefix = cstr(&block[345..500]);
            }
            TarFormat::Star => {
                parse_numeric(&block[329..337], &mut bad);
                parse_numeric(&block[337..345], &mut bad);
                prefix = cstr(&block[345..476]);
                parse_numeric(&block[476..488], &mut bad);
                parse_numeric(&block[488..500], &mut bad);
            }
            TarFormat::Gnu => {
                parse_numeric(&block[329..337], &mut bad);
                parse_numeric(&block[337..345], &mut bad);
                // Go tolerates unparsable access and change times, reading them as a USTAR
                // prefix written by old Go versions when that prefix is ASCII.
                let mut times_bad = false;
                if block[345] != 0 {
                    parse_numeric(&block[345..357], &mut times_bad);
                }
                if block[357] != 0 {
                    parse_numeric(&block[357..369], &mut times_bad);
                }
                if times_bad {
                    let p = cstr(&block[345..500]);
                    if p.is_ascii() {
                        prefix = p;
                    }
                }
            }
        }
        if bad {
            return Err(format_err(TAR_INVALID_HEADER));
        }
        if !prefix.is_empty() {
            let mut full = prefix.to_vec();
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
        Ok(TarHeader {
            name,
            typeflag: block[156],
            size,
            mode,
            sparse: false,
        })
    }
}

#[derive(Clone, Copy)]
enum TarFormat {
    V7,
    Ustar,
    Star,
    Gnu,
}

/// Go's `getFormat`: the checksum (unsigned or signed sum) must match, then the magic decides.
fn block_format(block: &[u8; BLOCK]) -> Option<TarFormat> {
    let mut bad = false;
    let stored = parse_octal(&block[148..156], &mut bad);
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    if bad || (stored != unsigned && stored != signed) {
        return None;
    }
    let magic = &block[257..263];
    let version = &block[263..265];
    Some(if magic == b"ustar\0" && &block[508..512] == b"tar\0" {
        TarFormat::Star
    } else if magic == b"ustar\0" {
        TarFormat::Ustar
    } else if magic == b"ustar " && version == b" \0" {
        TarFormat::Gnu
    } else {
        TarFormat::V7
    })
}

fn is_header_only(typeflag: u8) -> bool {
    matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

/// Bytes up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Go's `parseOctal`: spaces and NULs trimmed, empty is 0, anything else must be octal.
fn parse_octal(field: &[u8], bad: &mut bool) -> i64 {
    let start = field.iter().position(|&c| c != b' ' && c != 0);
    let Some(start) = start else { return 0 };
    let end = field
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .unwrap_or(start);
    let digits = cstr(&field[start..=end]);
    if digits.is_empty() {
        *bad = true;
        return 0;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            *bad = true;
            return 0;
        }
        match v.checked_mul(8) {
            Some(x) => v = x + u64::from(d - b'0'),
            None => {
                *bad = true;
                return 0;
            }
        }
    }
    v as i64
}

/// Go's `parseNumeric`: base-256 (two's complement) when the high bit is set, else octal.
fn parse_numeric(field: &[u8], bad: &mut bool) -> i64 {
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        let inv = if field[0] & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, &c) in field.iter().enumerate() {
            let mut c = c ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 > 0 {
                *bad = true;
                return 0;
            }
            x = x << 8 | u64::from(c);
        }
        if x >> 63 > 0 {
            *bad = true;
            return 0;
        }
        return if inv == 0xff { !(x as i64) } else { x as i64 };
    }
    parse_octal(field, bad)
}

/// Go's `parsePAX`: `LEN key=value\n` records; any malformed record is an invalid header.
fn parse_pax(data: &[u8]) -> Result<Vec<(String, String)>, ReadErr> {
    let invalid = || format_err(TAR_INVALID_HEADER);
    let mut records: Vec<(String, String)> = Vec::new();
    let mut sparse_map: Vec<String> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ').ok_or_else(invalid)?;
        let len_str = std::str::from_utf8(&rest[..sp]).map_err(|_| invalid())?;
        let len: i64 = go_parse_int(len_str).ok_or_else(invalid)?;
        if len < 5 || len > rest.len() as i64 {
            return Err(invalid());
        }
        let len = len as usize;
        if len <= sp + 1 {
            return Err(invalid());
        }
        let record = &rest[sp + 1..len - 1];
        if rest[len - 1] != b'\n' {
            return Err(invalid());
        }
        let eq = record.iter().position(|&b| b == b'=').ok_or_else(invalid)?;
        let (k, v) = (&record[..eq], &record[eq + 1..]);
        let value_checked = matches!(k, b"path" | b"linkpath" | b"uname" | b"gname");
        if k.is_empty() || (value_checked && v.contains(&0)) || (!value_checked && k.contains(&0)) {
            return Err(invalid());
        }
        let key = String::from_utf8_lossy(k).into_owned();
        let value = String::from_utf8_lossy(v).into_owned();
        if key == "GNU.sparse.offset" || key == "GNU.sparse.numbytes" {
            let expected = if sparse_map.len().is_multiple_of(2) {
                "GNU.sparse.offset"
            } else {
                "GNU.sparse.numbytes"
            };
            if key != expected || value.contains(',') {
                return Err(invalid());
            }
            sparse_map.push(value);
        } else {
            records.retain(|(k, _)| *k != key);
            records.push((key, value));
        }
        rest = &rest[len..];
    }
    if !sparse_map.is_empty() {
        records.push(("GNU.sparse.map".into(), sparse_map.join(",")));
    }
    Ok(records)
}

/// Go's `mergePAX` for the fields Helm's loading depends on; bad numbers are invalid headers.
fn merge_pax(hdr: &mut TarHeader, records: &[(String, String)]) -> Result<(), ReadErr> {
    let invalid = || format_err(TAR_INVALID_HEADER);
    for (k, v) in records {
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "path" => hdr.name = v.as_bytes().to_vec(),
            "size" => hdr.size = go_parse_int(v).ok_or_else(invalid)?,
            "uid" | "gid" => {
                go_parse_int(v).ok_or_else(invalid)?;
            }
            "atime" | "mtime" | "ctime" => {
                let (secs, frac) = v.split_once('.').unwrap_or((v.as_str(), ""));
                go_parse_int(secs).ok_or_else(invalid)?;
                if !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
            }
            k if k.starts_with("GNU.sparse.") => hdr.sparse = true,
            _ => {}
        }
    }
    Ok(())
}

/// `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `FileInfo().IsDir()` for a tar header: the directory type, or directory bits in the
/// mode.
fn is_dir_entry(hdr: &TarHeader) -> bool {
    hdr.typeflag == b'5' || (hdr.mode as u32 & !0o7777) == 0o40000
}

fn forbidden_kind(hdr: &TarHeader) -> Option<String> {
    if hdr.sparse {
        return Some("a sparse file".into());
    }
    Some(
        match hdr.typeflag {
            b'0' | b'7' => return None,
            b'1' => "a hard link",
            b'2' => "a symbolic link",
            b'3' => "a character device",
            b'4' => "a block device",
            b'6' => "a FIFO",
            b'S' => "a sparse file",
            t => return Some(format!("an entry of type {}", quote_bytes(&[t]))),
        }
        .into(),
    )
}

/// Helm's `LoadArchiveFiles`.
fn read_archive(tgz: &[u8], budget: &mut Budget<'_>) -> Result<Vec<File>, LoadError> {
    let limits = budget.limits;
    if tgz.len() as u64 > limits.max_archive_bytes {
        return Err(LoadError::ArchiveTooLarge {
            size: tgz.len() as u64,
            max: limits.max_archive_bytes,
        });
    }
    // Headers and padding take at most a few blocks per entry beyond the file data; anything
    // well past that is not a chart (e.g. millions of directory entries).
    let cap = limits
        .max_total_bytes
        .saturating_add((limits.max_files as u64).saturating_mul(4 * BLOCK as u64))
        .saturating_add(MIB);
    let gz = Gunzip::new(tgz, cap).map_err(ReadErr::into_load_error)?;
    let mut tar = TarReader {
        gz,
        remaining: 0,
        pad: 0,
    };
    let mut files = Vec::new();
    let mut remaining = limits.max_total_bytes as i64;
    while let Some(hdr) = tar.next()? {
        if is_dir_entry(&hdr) || hdr.typeflag == b'g' || hdr.typeflag == b'x' {
            continue;
        }
        let raw_name = quote_bytes(&hdr.name);
        let name =
            std::str::from_utf8(&hdr.name).map_err(|_| LoadError::NonUtf8Name(raw_name.clone()))?;
        let n = archive_path(name, &raw_name)?;
        if let Some(kind) = forbidden_kind(&hdr) {
            return Err(LoadError::ForbiddenEntry {
                name: raw_name,
                kind,
            });
        }
        if hdr.size > remaining {
            return Err(LoadError::ChartTooLarge {
                max: limits.max_total_bytes,
            });
        }
        if hdr.size as u64 > limits.max_file_bytes {
            return Err(LoadError::FileTooLarge {
                name: raw_name,
                max: limits.max_file_bytes,
            });
        }
        budget.check_file(hdr.size as u64)?;
        let data = tar
            .read_data(hdr.size as u64)
            .map_err(ReadErr::into_load_error)?;
        remaining -= data.len() as i64;
        if remaining <= 0 {
            return Err(LoadError::ChartTooLarge {
                max: limits.max_total_bytes,
            });
        }
        budget.add_file(data.len() as u64)?;
        let data = match data.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => Arc::from(rest),
            None => Arc::from(data),
        };
        files.push(File { name: n, data });
    }
    if files.is_empty() {
        return Err(LoadError::NoFiles);
    }
    Ok(files)
}

/// Helm's path handling for an archive entry: the first element (the chart's directory) is
/// dropped, `\` separators are accepted when the name has any, the rest is cleaned and must
/// stay inside the chart.
fn archive_path(name: &str, raw_name: &str) -> Result<String, LoadError> {
    let delimiter = if name.contains('\\') { '\\' } else { '/' };
    let mut parts = name.split(delimiter);
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let joined = rest.join("/");
    if joined.starts_with('/') {
        return Err(LoadError::AbsolutePath);
    }
    let n = go_path_clean(&joined);
    if n == "." {
        return Err(LoadError::OutsideBase(raw_name.to_string()));
    }
    if n.starts_with("..") {
        return Err(LoadError::ParentReference);
    }
    let b = n.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        return Err(LoadError::IllegalName);
    }
    if first == "Chart.yaml" {
        return Err(LoadError::ChartYamlNotInBase);
    }
    Ok(n)
}

/// Go's `path.Clean`.
fn go_path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

// ---------------------------------------------------------------------------------------
// LoadFiles: sorting files into the chart, metadata, values, subcharts.
// ---------------------------------------------------------------------------------------

fn load_files_at(
    files: Vec<File>,
    budget: &mut Budget<'_>,
    depth: usize,
) -> Result<Chart, LoadError> {
    let mut metadata: Option<GoMetadata> = None;
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        let md = metadata.get_or_insert_with(GoMetadata::default);
        decode_yaml_into(&f.data, |v| decode_metadata(v, md)).map_err(LoadError::ChartYaml)?;
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
    }
    let mut chart = Chart::default();
    // Subcharts by their entry under charts/, in order of first appearance (Helm iterates a
    // Go map here, so its own order varies from run to run).
    let mut subcharts: Vec<(String, Vec<File>)> = Vec::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => decode_yaml_into(&f.data, decode_lock).map_err(LoadError::ChartLock)?,
            "values.yaml" => {
                let text = yaml_text(&f.data).map_err(|e| {
                    LoadError::Values(format!("cannot unmarshal yaml document: {e}"))
                })?;
                chart.values = load_values(&text).map_err(LoadError::Values)?;
            }
            "values.schema.json" => chart.schema = Some(f.data.clone()),
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(GoMetadata::default);
                decode_yaml_into(&f.data, |v| decode_metadata(v, md))
                    .map_err(LoadError::Requirements)?;
                if md.api_version == "v1" {
                    chart.files.push(f);
                }
            }
            "requirements.lock" => {
                decode_yaml_into(&f.data, decode_lock).map_err(LoadError::RequirementsLock)?;
                let md = metadata.get_or_insert_with(GoMetadata::default);
                if md.api_version == "v1" {
                    chart.files.push(f);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(f),
            name if name.starts_with("charts/") => {
                if go_ext(name) == ".prov" {
                    chart.files.push(f);
                    continue;
                }
                let fname = name["charts/".len()..].to_string();
                let cname = fname.split('/').next().unwrap_or("").to_string();
                let entry = File {
                    name: fname,
                    data: f.data,
                };
                match subcharts.iter_mut().find(|(n, _)| *n == cname) {
                    Some((_, list)) => list.push(entry),
                    None => subcharts.push((cname, vec![entry])),
                }
            }
            _ => chart.files.push(f),
        }
    }
    let mut md = metadata.ok_or(LoadError::MissingChartYaml)?;
    validate(&mut md).map_err(LoadError::Validation)?;
    chart.metadata = md.into_model();
    let parent = chart.metadata.name.clone();
    for (n, sub_files) in subcharts {
        if n.starts_with(['_', '.']) {
            continue;
        }
        let loaded = if go_ext(&n) == ".tgz" {
            let first = &sub_files[0];
            if first.name != n {
                return Err(LoadError::SubchartTar {
                    parent,
                    expected: n,
                    got: first.name.clone(),
                });
            }
            nested(budget, depth).and_then(|()| load_archive_at(&first.data, budget, depth + 1))
        } else {
            let inner: Vec<File> = sub_files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(File {
                        name: rest.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            nested(budget, depth).and_then(|()| load_files_at(inner, budget, depth + 1))
        };
        match loaded {
            Ok(sc) => chart.dependencies.push(sc),
            Err(source) => {
                return Err(LoadError::Subchart {
                    name: n,
                    parent,
                    source: Box::new(source),
                });
            }
        }
    }
    Ok(chart)
}

fn nested(budget: &Budget<'_>, depth: usize) -> Result<(), LoadError> {
    if depth + 1 > budget.limits.max_depth {
        return Err(LoadError::TooDeep {
            max: budget.limits.max_depth,
        });
    }
    Ok(())
}

/// Go's `filepath.Ext`: from the last `.` of the last path element.
fn go_ext(path: &str) -> &str {
    let base_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[base_start..].rfind('.') {
        Some(i) => &path[base_start + i..],
        None => "",
    }
}

/// The text libyaml would read from a file's bytes: UTF-8, or UTF-16 after a byte-order mark.
/// Invalid input gives libyaml's reader error, with sigs.k8s.io/yaml's prefix.
fn yaml_text(data: &[u8]) -> Result<Cow<'_, str>, String> {
    let fail = |problem: &str| format!("error converting YAML to JSON: yaml: {problem}");
    let big_endian = match data {
        [0xFF, 0xFE, ..] => Some(false),
        [0xFE, 0xFF, ..] => Some(true),
        _ => None,
    };
    if let Some(be) = big_endian {
        let body = &data[2..];
        if !body.len().is_multiple_of(2) {
            return Err(fail("incomplete UTF-16 character"));
        }
        let units = body.chunks(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        let mut out = String::with_capacity(body.len() / 2);
        let mut units = units.peekable();
        while let Some(u) = units.next() {
            match u {
                0xDC00..=0xDFFF => return Err(fail("unexpected low surrogate area")),
                0xD800..=0xDBFF => match units.next() {
                    None => return Err(fail("incomplete UTF-16 surrogate pair")),
                    Some(lo @ 0xDC00..=0xDFFF) => {
                        let c =
                            0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                    Some(_) => return Err(fail("expected low surrogate area")),
                },
                u => out.push(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}')),
            }
        }
        return Ok(Cow::Owned(out));
    }
    match std::str::from_utf8(data) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let rest = &data[e.valid_up_to()..];
            let lead = rest[0];
            let width = match lead {
                b if b & 0x80 == 0 => 1,
                b if b & 0xE0 == 0xC0 => 2,
                b if b & 0xF0 == 0xE0 => 3,
                b if b & 0xF8 == 0xF0 => 4,
                _ => 0,
            };
            if width == 0 {
                return Err(fail("invalid leading UTF-8 octet"));
            }
            if rest.len() < width {
                return Err(fail("incomplete UTF-8 octet sequence"));
            }
            if rest[1..width].iter().any(|&b| b & 0xC0 != 0x80) {
                return Err(fail("invalid trailing UTF-8 octet"));
            }
            let mut value = u32::from(lead) & [0, 0x7F, 0x1F, 0x0F, 0x07][width];
            for &b in &rest[1..width] {
                value = value << 6 | u32::from(b & 0x3F);
            }
            let min = [0, 0, 0x80, 0x800, 0x10000][width];
            if value < min {
                return Err(fail("invalid length of a UTF-8 sequence"));
            }
            Err(fail("invalid Unicode character"))
        }
    }
}

/// `sigs.k8s.io/yaml.Unmarshal` into a Go struct: YAML to JSON, then the struct decoder.
fn decode_yaml_into(
    data: &[u8],
    decode: impl FnOnce(&Value) -> Result<(), String>,
) -> Result<(), String> {
    let text = yaml_text(data)?;
    let json = yaml_to_json(&text)?;
    decode(&json).map_err(|e| format!("error unmarshaling JSON: while decoding JSON: {e}"))
}

// ---------------------------------------------------------------------------------------
// encoding/json into Helm's structs, with sigs.k8s.io/yaml's string coercion.
// ---------------------------------------------------------------------------------------

/// A Go slice as `encoding/json` refills it: elements past the new length stay in the backing
/// array and are decoded into again when a later document is longer.
#[derive(Debug, Clone, Default)]
struct GoSlice<T> {
    backing: Vec<T>,
    len: usize,
}

impl<T> GoSlice<T> {
    fn items(&self) -> &[T] {
        &self.backing[..self.len]
    }

    fn items_mut(&mut self) -> &mut [T] {
        &mut self.backing[..self.len]
    }

    fn clear(&mut self) {
        self.backing.clear();
        self.len = 0;
    }
}

#[derive(Debug, Clone, Default)]
struct GoMaintainer {
    name: String,
    email: String,
    url: String,
}

#[derive(Debug, Clone, Default)]
struct GoDependency {
    name: String,
    version: String,
    repository: String,
    condition: String,
    tags: GoSlice<String>,
    enabled: bool,
    import_values: GoSlice<Value>,
    alias: String,
}

#[derive(Debug, Clone, Default)]
struct GoMetadata {
    name: String,
    home: String,
    sources: GoSlice<String>,
    version: String,
    description: String,
    keywords: GoSlice<String>,
    maintainers: GoSlice<Option<GoMaintainer>>,
    icon: String,
    api_version: String,
    condition: String,
    tags: String,
    app_version: String,
    deprecated: bool,
    annotations: Option<BTreeMap<String, String>>,
    kube_version: String,
    dependencies: GoSlice<Option<GoDependency>>,
    chart_type: String,
}

impl GoMetadata {
    fn into_model(self) -> Metadata {
        Metadata {
            api_version: self.api_version,
            name: self.name,
            home: self.home,
            sources: self.sources.items().to_vec(),
            version: self.version,
            description: self.description,
            keywords: self.keywords.items().to_vec(),
            maintainers: self
                .maintainers
                .items()
                .iter()
                .flatten()
                .map(|m| Maintainer {
                    name: m.name.clone(),
                    email: m.email.clone(),
                    url: m.url.clone(),
                })
                .collect(),
            icon: self.icon,
            condition: self.condition,
            tags: self.tags,
            app_version: self.app_version,
            deprecated: self.deprecated,
            annotations: self.annotations.unwrap_or_default(),
            kube_version: self.kube_version,
            dependencies: self
                .dependencies
                .items()
                .iter()
                .flatten()
                .map(|d| Dependency {
                    name: d.name.clone(),
                    version: d.version.clone(),
                    repository: d.repository.clone(),
                    condition: d.condition.clone(),
                    tags: d.tags.items().to_vec(),
                    enabled: d.enabled,
                    import_values: d.import_values.items().to_vec(),
                    alias: d.alias.clone(),
                })
                .collect(),
            chart_type: self.chart_type,
        }
    }
}

/// Where a value is decoded, for Go's error text: the innermost struct and the field path.
#[derive(Clone, Copy)]
struct At<'a> {
    strukt: &'a str,
    path: &'a str,
}

/// `encoding/json`'s decoder state: the first type error is kept and decoding goes on.
#[derive(Default)]
struct Decoder {
    saved: Option<String>,
}

impl Decoder {
    fn mismatch(&mut self, v: &Value, at: At<'_>, ty: &str) {
        if self.saved.is_none() {
            self.saved = Some(format!(
                "json: cannot unmarshal {} into Go struct field {}.{} of type {ty}",
                crate::engine::json::go_kind(v),
                at.strukt,
                at.path
            ));
        }
    }

    /// A string field; numbers and booleans arrive as strings (sigs.k8s.io/yaml converts them
    /// when the target is a string).
    fn string(&mut self, v: &Value, out: &mut String, at: At<'_>) {
        match v {
            Value::Null => {}
            Value::String(s) => *out = s.clone(),
            Value::Number(n) => *out = number_for_string_field(n),
            Value::Bool(b) => *out = b.to_string(),
            _ => self.mismatch(v, at, "string"),
        }
    }

    fn boolean(&mut self, v: &Value, out: &mut bool, at: At<'_>) {
        match v {
            Value::Null => {}
            Value::Bool(b) => *out = *b,
            _ => self.mismatch(v, at, "bool"),
        }
    }

    /// A slice: null makes it nil, an array refills it element by element.
    fn slice<T: Default>(
        &mut self,
        v: &Value,
        out: &mut GoSlice<T>,
        at: At<'_>,
        ty: &str,
        mut elem: impl FnMut(&mut Self, &Value, &mut T),
    ) {
        match v {
            Value::Null => out.clear(),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i >= out.backing.len() {
                        out.backing.push(T::default());
                    }
                    out.len = out.len.max(i + 1);
                    elem(self, item, &mut out.backing[i]);
                }
                if items.is_empty() {
                    out.clear();
                } else {
                    out.len = items.len();
                }
            }
            _ => self.mismatch(v, at, ty),
        }
    }

    fn strings(&mut self, v: &Value, out: &mut GoSlice<String>, at: At<'_>) {
        self.slice(v, out, at, "[]string", |d, item, s| d.string(item, s, at));
    }

    fn string_map(&mut self, v: &Value, out: &mut Option<BTreeMap<String, String>>, at: At<'_>) {
        match v {
            Value::Null => *out = None,
            Value::Object(m) => {
                let map = out.get_or_insert_with(BTreeMap::new);
                for (k, item) in sorted_entries(m) {
                    let mut s = String::new();
                    self.string(item, &mut s, at);
                    map.insert(k.clone(), s);
                }
            }
            _ => self.mismatch(v, at, "map[string]string"),
        }
    }

    fn interfaces(&mut self, v: &Value, out: &mut GoSlice<Value>, at: At<'_>) {
        self.slice(v, out, at, "[]interface {}", |_, item, slot| {
            *slot = item.clone();
        });
    }

    fn maintainers(&mut self, v: &Value, out: &mut GoSlice<Option<GoMaintainer>>, at: At<'_>) {
        self.slice(v, out, at, "[]*v2.Maintainer", |d, item, slot| match item {
            Value::Null => *slot = None,
            Value::Object(m) => {
                let target = slot.get_or_insert_with(GoMaintainer::default);
                for (key, val) in sorted_entries(m) {
                    let (field, out) = match match_field(key, &["name", "email", "url"]) {
                        Some(0) => ("name", &mut target.name),
                        Some(1) => ("email", &mut target.email),
                        Some(_) => ("url", &mut target.url),
                        None => continue,
                    };
                    let path = format!("{}.{field}", at.path);
                    d.string(
                        val,
                        out,
                        At {
                            strukt: "Maintainer",
                            path: &path,
                        },
                    );
                }
            }
            _ => d.mismatch(item, at, "v2.Maintainer"),
        });
    }

    fn dependencies(&mut self, v: &Value, out: &mut GoSlice<Option<GoDependency>>, at: At<'_>) {
        const FIELDS: [&str; 8] = [
            "name",
            "version",
            "repository",
            "condition",
            "tags",
            "enabled",
            "import-values",
            "alias",
        ];
        self.slice(v, out, at, "[]*v2.Dependency", |d, item, slot| match item {
            Value::Null => *slot = None,
            Value::Object(m) => {
                let dep = slot.get_or_insert_with(GoDependency::default);
                for (key, val) in sorted_entries(m) {
                    let Some(i) = match_field(key, &FIELDS) else {
                        continue;
                    };
                    let path = format!("{}.{}", at.path, FIELDS[i]);
                    let at = At {
                        strukt: "Dependency",
                        path: &path,
                    };
                    match i {
                        0 => d.string(val, &mut dep.name, at),
                        1 => d.string(val, &mut dep.version, at),
                        2 => d.string(val, &mut dep.repository, at),
                        3 => d.string(val, &mut dep.condition, at),
                        4 => d.strings(val, &mut dep.tags, at),
                        5 => d.boolean(val, &mut dep.enabled, at),
                        6 => d.interfaces(val, &mut dep.import_values, at),
                        _ => d.string(val, &mut dep.alias, at),
                    }
                }
            }
            _ => d.mismatch(item, at, "v2.Dependency"),
        });
    }

    fn finish(self) -> Result<(), String> {
        self.saved.map_or(Ok(()), Err)
    }
}

/// Object entries in `encoding/json`'s order: Go marshals map keys sorted bytewise.
fn sorted_entries(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    entries
}

/// `encoding/json`'s field lookup: an exact name first, else a case-insensitive one
/// (`bytes.EqualFold`, where the Kelvin sign folds to `k` and the long s to `s`).
fn match_field(key: &str, fields: &[&str]) -> Option<usize> {
    if let Some(i) = fields.iter().position(|f| *f == key) {
        return Some(i);
    }
    fields.iter().position(|f| {
        let mut kc = key.chars();
        for fc in f.chars() {
            let Some(c) = kc.next() else { return false };
            let same = c == fc
                || (fc.is_ascii_alphabetic() && c.eq_ignore_ascii_case(&fc))
                || (c == '\u{212A}' && fc.eq_ignore_ascii_case(&'k'))
                || (c == '\u{17F}' && fc.eq_ignore_ascii_case(&'s'));
            if !same {
                return false;
            }
        }
        kc.next().is_none()
    })
}

const METADATA_FIELDS: [&str; 17] = [
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

/// `Chart.yaml` (or `requirements.yaml`) decoded into Helm's `Metadata`, on top of what
/// earlier files set.
fn decode_metadata(v: &Value, md: &mut GoMetadata) -> Result<(), String> {
    let m = match v {
        Value::Null => return Ok(()),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type v2.Metadata",
                crate::engine::json::go_kind(other)
            ));
        }
    };
    let mut d = Decoder::default();
    for (key, val) in sorted_entries(m) {
        let Some(i) = match_field(key, &METADATA_FIELDS) else {
            continue;
        };
        let at = At {
            strukt: "Metadata",
            path: METADATA_FIELDS[i],
        };
        match i {
            0 => d.string(val, &mut md.name, at),
            1 => d.string(val, &mut md.home, at),
            2 => d.strings(val, &mut md.sources, at),
            3 => d.string(val, &mut md.version, at),
            4 => d.string(val, &mut md.description, at),
            5 => d.strings(val, &mut md.keywords, at),
            6 => d.maintainers(val, &mut md.maintainers, at),
            7 => d.string(val, &mut md.icon, at),
            8 => d.string(val, &mut md.api_version, at),
            9 => d.string(val, &mut md.condition, at),
            10 => d.string(val, &mut md.tags, at),
            11 => d.string(val, &mut md.app_version, at),
            12 => d.boolean(val, &mut md.deprecated, at),
            13 => d.string_map(val, &mut md.annotations, at),
            14 => d.string(val, &mut md.kube_version, at),
            15 => d.dependencies(val, &mut md.dependencies, at),
            _ => d.string(val, &mut md.chart_type, at),
        }
    }
    d.finish()
}

/// `Chart.lock` or `requirements.lock` decoded into Helm's `Lock`, only for its errors: the
/// chart model keeps no lock.
fn decode_lock(v: &Value) -> Result<(), String> {
    let m = match v {
        Value::Null => return Ok(()),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type v2.Lock",
                crate::engine::json::go_kind(other)
            ));
        }
    };
    let mut d = Decoder::default();
    let mut digest = String::new();
    let mut deps = GoSlice::default();
    for (key, val) in sorted_entries(m) {
        match match_field(key, &["generated", "digest", "dependencies"]) {
            // time.Time decodes itself; its error ends decoding at once, ahead of any type
            // error saved before it.
            Some(0) => check_json_time(val)?,
            Some(1) => d.string(
                val,
                &mut digest,
                At {
                    strukt: "Lock",
                    path: "digest",
                },
            ),
            Some(_) => d.dependencies(
                val,
                &mut deps,
                At {
                    strukt: "Lock",
                    path: "dependencies",
                },
            ),
            None => {}
        }
    }
    d.finish()
}

/// `time.Time.UnmarshalJSON`: a JSON string holding an RFC 3339 time, read from its encoded
/// form (Go does not unescape it).
fn check_json_time(v: &Value) -> Result<(), String> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) => {
            let mut encoded = String::new();
            crate::engine::json::write_string(&mut encoded, s, true);
            let inner = &encoded[1..encoded.len() - 1];
            parse_rfc3339(inner)
        }
        _ => Err("Time.UnmarshalJSON: input is not a JSON string".into()),
    }
}

/// The `time` package's own quoting: bytes of non-ASCII and control characters as `\xNN`.
fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.Parse(time.RFC3339, value)`, for its errors.
fn parse_rfc3339(value: &str) -> Result<(), String> {
    let quote = time_quote;
    const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";
    let cannot = |rest: &str, elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(LAYOUT),
            quote(rest),
            quote(elem)
        )
    };
    let range = |what: &str| format!("parsing time {}: {what} out of range", quote(value));
    let digit = |s: &[u8], i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    // getnum: one or two digits; `fixed` wants two.
    let getnum = |b: &[u8], fixed: bool| -> Option<(u32, usize)> {
        if !digit(b, 0) {
            return None;
        }
        if !digit(b, 1) {
            return if fixed {
                None
            } else {
                Some((u32::from(b[0] - b'0'), 1))
            };
        }
        Some((u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'), 2))
    };
    let mut rest = value;
    let skip = |rest: &mut &str, lit: char| -> Result<(), String> {
        match rest.strip_prefix(lit) {
            Some(r) => {
                *rest = r;
                Ok(())
            }
            None => Err(cannot(rest, &lit.to_string())),
        }
    };
    // Year: four characters, the first a digit, all digits.
    if rest.len() < 4 || !digit(rest.as_bytes(), 0) || !rest.is_char_boundary(4) {
        return Err(cannot(rest, "2006"));
    }
    let Ok(year) = rest[..4].parse::<i32>() else {
        return Err(cannot(rest, "2006"));
    };
    rest = &rest[4..];
    skip(&mut rest, '-')?;
    let (month, n) = getnum(rest.as_bytes(), true).ok_or_else(|| cannot(rest, "01"))?;
    if !(1..=12).contains(&month) {
        return Err(range("month"));
    }
    rest = &rest[n..];
    skip(&mut rest, '-')?;
    let (day, n) = getnum(rest.as_bytes(), true).ok_or_else(|| cannot(rest, "02"))?;
    rest = &rest[n..];
    skip(&mut rest, 'T')?;
    let (hour, n) = getnum(rest.as_bytes(), false).ok_or_else(|| cannot(rest, "15"))?;
    if hour >= 24 {
        return Err(range("hour"));
    }
    rest = &rest[n..];
    skip(&mut rest, ':')?;
    let (minute, n) = getnum(rest.as_bytes(), true).ok_or_else(|| cannot(rest, "04"))?;
    if minute >= 60 {
        return Err(range("minute"));
    }
    rest = &rest[n..];
    skip(&mut rest, ':')?;
    let (second, n) = getnum(rest.as_bytes(), true).ok_or_else(|| cannot(rest, "05"))?;
    if second >= 60 {
        return Err(range("second"));
    }
    rest = &rest[n..];
    // Fractional seconds the layout does not name are accepted after the seconds.
    if rest.len() >= 2 && matches!(rest.as_bytes()[0], b'.' | b',') && digit(rest.as_bytes(), 1) {
        let digits = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
        rest = &rest[1 + digits..];
    }
    if let Some(r) = rest.strip_prefix('Z') {
        rest = r;
    } else {
        let b = rest.as_bytes();
        if b.len() < 6 || b[3] != b':' {
            return Err(cannot(rest, "Z07:00"));
        }
        // Go reads both numbers, then reports a range error before a malformed one.
        let tz_h = getnum(&b[1..3], true);
        let tz_m = tz_h.and_then(|_| getnum(&b[4..6], true));
        if tz_h.is_some_and(|(h, _)| h > 24) {
            return Err(range("time zone offset hour"));
        }
        if tz_m.is_some_and(|(m, _)| m > 60) {
            return Err(range("time zone offset minute"));
        }
        if tz_m.is_none() || !matches!(b[0], b'+' | b'-') {
            return Err(cannot(rest, "Z07:00"));
        }
        rest = &rest[6..];
    }
    if !rest.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            quote(value),
            quote(rest)
        ));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days_in_month {
        return Err(format!("parsing time {}: day out of range", quote(value)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Metadata validation: Helm's Metadata.Validate.
// ---------------------------------------------------------------------------------------

/// Helm's `sanitizeString`: white space becomes a space, other unprintable characters go.
fn sanitize(s: &mut String) {
    if s.chars()
        .all(|c| c == ' ' || (is_print(c) && !c.is_whitespace()))
    {
        return;
    }
    *s = s
        .chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if is_print(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect();
}

/// Go's `filepath.Base` on Unix.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

fn valid_alias(a: &str) -> bool {
    !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Helm's `Metadata.Validate`: sanitizes the text fields, then checks them in Helm's order.
fn validate(md: &mut GoMetadata) -> Result<(), String> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        sanitize(s);
    }
    md.sources.items_mut().iter_mut().for_each(sanitize);
    md.keywords.items_mut().iter_mut().for_each(sanitize);
    if md.api_version.is_empty() {
        return Err("chart.metadata.apiVersion is required".into());
    }
    if md.name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if md.name == "." || md.name == ".." {
        return Err(format!(
            "chart.metadata.name {} is not allowed",
            quote(&md.name)
        ));
    }
    if md.name != go_base(&md.name) {
        return Err(format!(
            "chart.metadata.name {} is invalid",
            quote(&md.name)
        ));
    }
    if md.version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    if parse_version(&md.version).is_err() {
        return Err(format!(
            "chart.metadata.version {} is invalid",
            quote(&md.version)
        ));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err("chart.metadata.type must be application or library".into());
    }
    for m in md.maintainers.items_mut() {
        let Some(m) = m else {
            return Err("maintainers must not contain empty or null nodes".into());
        };
        sanitize(&mut m.name);
        sanitize(&mut m.email);
        sanitize(&mut m.url);
    }
    let mut seen: Vec<String> = Vec::new();
    for d in md.dependencies.items_mut() {
        let Some(d) = d else {
            return Err("dependencies must not contain empty or null nodes".into());
        };
        sanitize(&mut d.name);
        sanitize(&mut d.version);
        sanitize(&mut d.repository);
        sanitize(&mut d.condition);
        d.tags.items_mut().iter_mut().for_each(sanitize);
        if !d.alias.is_empty() && !valid_alias(&d.alias) {
            return Err(format!(
                "dependency {} has disallowed characters in the alias",
                quote(&d.name)
            ));
        }
        let key = if d.alias.is_empty() {
            d.name.clone()
        } else {
            d.alias.clone()
        };
        if seen.contains(&key) {
            return Err(format!(
                "more than one dependency with name or alias {}",
                quote(&key)
            ));
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Every expected value here was recorded from Helm v4.2.3 (`helm_python.Chart.load` and
    //! `Chart.load_archive` on the same bytes), except where a test says the behavior is ours.

    use super::*;
    use std::io::Write;

    // -- building archives -----------------------------------------------------------------

    /// A tar header block; the defaults make a USTAR regular file.
    #[derive(Clone)]
    struct Hdr {
        name: Vec<u8>,
        size: u64,
        typeflag: u8,
        mode: u32,
        magic: [u8; 8],
        prefix: Vec<u8>,
        size_field: Option<Vec<u8>>,
        mode_field: Option<Vec<u8>>,
        checksum: Option<Vec<u8>>,
    }

    impl Hdr {
        fn new(name: &str) -> Self {
            Hdr {
                name: name.as_bytes().to_vec(),
                size: 0,
                typeflag: b'0',
                mode: 0o644,
                magic: *b"ustar\x0000",
                prefix: Vec::new(),
                size_field: None,
                mode_field: None,
                checksum: None,
            }
        }

        fn typeflag(mut self, t: u8) -> Self {
            self.typeflag = t;
            self
        }

        fn gnu(mut self) -> Self {
            self.magic = *b"ustar  \0";
            self
        }

        fn v7(mut self) -> Self {
            self.magic = [0; 8];
            self
        }

        fn block(&self) -> Vec<u8> {
            let mut b = vec![0u8; 512];
            b[..self.name.len()].copy_from_slice(&self.name);
            let mode = self
                .mode_field
                .clone()
                .unwrap_or_else(|| format!("{:07o}\0", self.mode).into_bytes());
            b[100..108].copy_from_slice(&mode);
            b[108..116].copy_from_slice(b"0000000\0");
            b[116..124].copy_from_slice(b"0000000\0");
            let size = self
                .size_field
                .clone()
                .unwrap_or_else(|| format!("{:011o}\0", self.size).into_bytes());
            b[124..136].copy_from_slice(&size);
            b[136..148].copy_from_slice(b"00000000000\0");
            b[156] = self.typeflag;
            b[257..265].copy_from_slice(&self.magic);
            b[345..345 + self.prefix.len()].copy_from_slice(&self.prefix);
            b[148..156].copy_from_slice(b"        ");
            let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
            let checksum = self
                .checksum
                .clone()
                .unwrap_or_else(|| format!("{sum:06o}\0 ").into_bytes());
            b[148..156].copy_from_slice(&checksum);
            b
        }
    }

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut v = data.to_vec();
        v.resize(data.len().div_ceil(512) * 512, 0);
        v
    }

    /// A header (its size set to the data's) and the padded data.
    fn entry(mut h: Hdr, data: &[u8]) -> Vec<u8> {
        h.size = data.len() as u64;
        let mut v = h.block();
        v.extend(padded(data));
        v
    }

    fn file(name: &str, data: &[u8]) -> Vec<u8> {
        entry(Hdr::new(name), data)
    }

    fn dir(name: &str) -> Vec<u8> {
        Hdr::new(name).typeflag(b'5').block()
    }

    /// A PAX extended header (`x`) or global header (`g`) with these records.
    fn pax(records: &[(&str, &str)], typeflag: u8) -> Vec<u8> {
        let mut body = String::new();
        for (k, v) in records {
            let rec = format!(" {k}={v}\n");
            let mut len = rec.len() + 1;
            while len != rec.len() + len.to_string().len() {
                len = rec.len() + len.to_string().len();
            }
            body.push_str(&format!("{len}{rec}"));
        }
        entry(Hdr::new("PaxHeaders/x").typeflag(typeflag), body.as_bytes())
    }

    const END: [u8; 1024] = [0; 1024];

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn tar(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut v = parts.concat();
        v.extend_from_slice(&END);
        v
    }

    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let parts: Vec<Vec<u8>> = files.iter().map(|(n, d)| file(n, d)).collect();
        gz(&tar(&parts))
    }

    const CY: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

    fn chart_yaml(text: &str) -> Vec<u8> {
        tgz(&[("c/Chart.yaml", text.as_bytes())])
    }

    fn with_chart(extra: &[(&str, &[u8])]) -> Vec<u8> {
        let mut files = vec![("c/Chart.yaml", CY)];
        files.extend_from_slice(extra);
        tgz(&files)
    }

    fn load(bytes: &[u8]) -> Result<Chart, String> {
        load_archive(bytes, &LoadLimits::default()).map_err(|e| e.to_string())
    }

    fn err(bytes: &[u8]) -> String {
        match load(bytes) {
            Ok(c) => panic!("loaded {:?}", c.metadata.name),
            Err(e) => e,
        }
    }

    fn names(files: &[File]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    /// What a loaded chart shows: name, version, template names, file names.
    fn shape(c: &Chart) -> (String, String, Vec<&str>, Vec<&str>) {
        (
            c.metadata.name.clone(),
            c.metadata.version.clone(),
            names(&c.templates),
            names(&c.files),
        )
    }

    fn meta(bytes: &[u8]) -> Metadata {
        match load(bytes) {
            Ok(c) => c.metadata,
            Err(e) => panic!("{e}"),
        }
    }

    // -- archives ---------------------------------------------------------------------------

    #[test]
    fn a_chart_archive_loads_templates_at_any_depth_files_values_and_schema() {
        let c = load(&tgz(&[
            ("c/Chart.yaml", CY),
            ("c/templates/a.yaml", b"x"),
            ("c/templates/sub/b.yaml", b"y"),
            ("c/README.md", b"r"),
            ("c/values.yaml", b"a: 1\n"),
            ("c/values.schema.json", b"{not json"),
            ("c/crds/a.yaml", b"x"),
            ("c/.helmignore", b"x"),
            ("c/templates/.hidden", b"x"),
        ]))
        .unwrap();
        assert_eq!(
            shape(&c),
            (
                "c".into(),
                "0.1.0".into(),
                vec![
                    "templates/a.yaml",
                    "templates/sub/b.yaml",
                    "templates/.hidden"
                ],
                vec!["README.md", "crds/a.yaml", ".helmignore"],
            )
        );
        assert_eq!(
            c.values,
            serde_json::json!({"a": 1.0}).as_object().cloned().unwrap()
        );
        assert_eq!(c.schema.as_deref(), Some(&b"{not json"[..]));
        assert_eq!(c.metadata.api_version, "v2");
        assert!(c.dependencies.is_empty());
    }

    #[test]
    fn archive_paths_are_checked_and_cleaned_as_helm_does() {
        let fails = [
            (
                vec![("c/Chart.yaml", CY), ("c//etc/x", b"x" as &[u8])],
                "chart illegally contains absolute paths",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/../x", b"x")],
                "chart illegally references parent directory",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/templates/../../x", b"x")],
                "chart illegally references parent directory",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/..data/x", b"x")],
                "chart illegally references parent directory",
            ),
            (
                vec![("c/Chart.yaml", CY), ("README", b"x")],
                "chart illegally contains content outside the base directory: \"README\"",
            ),
            (
                vec![("Chart.yaml", CY)],
                "chart illegally contains content outside the base directory: \"Chart.yaml\"",
            ),
            (
                vec![("c/Chart.yaml", CY), ("Chart.yaml/x", b"x")],
                "chart yaml not in base directory",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/.", b"x")],
                "chart illegally contains content outside the base directory: \"c/.\"",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/", b"x")],
                "chart illegally contains content outside the base directory: \"c/\"",
            ),
            (
                vec![("c/Chart.yaml", CY), ("", b"x")],
                "chart illegally contains content outside the base directory: \"\"",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c\\C:/x", b"x")],
                "chart contains illegally named files",
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/C:/x", b"x")],
                "chart contains illegally named files",
            ),
            // The first element is dropped whatever it is, so these lose their Chart.yaml.
            (
                vec![("./c/Chart.yaml", CY), ("./c/templates/a.yaml", b"x")],
                "Chart.yaml file is missing",
            ),
            (vec![("/c/Chart.yaml", CY)], "Chart.yaml file is missing"),
            (
                vec![("c/templates/a.yaml", b"x")],
                "Chart.yaml file is missing",
            ),
        ];
        for (files, want) in fails {
            assert_eq!(err(&tgz(&files)), want, "{files:?}");
        }
        let loads = [
            (
                vec![
                    ("c\\Chart.yaml", CY),
                    ("c\\templates\\a.yaml", b"x" as &[u8]),
                ],
                vec!["templates/a.yaml"],
                vec![],
            ),
            // With a backslash in the name, only backslashes separate.
            (
                vec![("c\\Chart.yaml", CY), ("c/templates\\a.yaml", b"x")],
                vec![],
                vec!["a.yaml"],
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/./templates/./a.yaml", b"x")],
                vec!["templates/a.yaml"],
                vec![],
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/templates", b"x")],
                vec![],
                vec!["templates"],
            ),
            (
                vec![("c/Chart.yaml", CY), ("c/sub/Chart.yaml", b"x")],
                vec![],
                vec!["sub/Chart.yaml"],
            ),
        ];
        for (files, templates, other) in loads {
            let c = load(&tgz(&files)).unwrap();
            assert_eq!(
                (names(&c.templates), names(&c.files)),
                (templates, other),
                "{files:?}"
            );
        }
    }

    #[test]
    fn any_top_directory_names_the_chart_and_a_second_one_merges_into_it() {
        let c = load(&tgz(&[
            ("c/Chart.yaml", CY),
            ("d/templates/x.yaml", b"x"),
            ("d/Chart.yaml", b"apiVersion: v2\nname: d\nversion: 1.0.0\n"),
        ]))
        .unwrap();
        assert_eq!(
            shape(&c),
            ("d".into(), "1.0.0".into(), vec!["templates/x.yaml"], vec![])
        );
    }

    #[test]
    fn duplicate_entries_are_all_kept_and_the_last_values_file_wins() {
        let c = load(&with_chart(&[
            ("c/templates/a.yaml", b"1"),
            ("c/templates/a.yaml", b"2"),
            ("c/values.yaml", b"a: 1\n"),
            ("c/values.yaml", b"b: 2\n"),
        ]))
        .unwrap();
        assert_eq!(
            names(&c.templates),
            ["templates/a.yaml", "templates/a.yaml"]
        );
        assert_eq!(
            c.values,
            serde_json::json!({"b": 2.0}).as_object().cloned().unwrap()
        );
    }

    #[test]
    fn directory_entries_are_skipped_and_a_utf8_bom_is_removed_from_every_file() {
        let bytes = gz(&tar(&[
            dir("c/"),
            dir("c/templates/"),
            file("c/Chart.yaml", &[b"\xEF\xBB\xBF", CY].concat()),
            file("c/templates/a.yaml", b"\xEF\xBB\xBFx"),
        ]));
        let c = load(&bytes).unwrap();
        assert_eq!(c.templates[0].data.as_ref(), b"x");
        assert_eq!(c.metadata.name, "c");
    }

    #[test]
    fn an_archive_without_files_is_refused() {
        assert_eq!(err(&gz(&END)), "no files in chart archive");
        assert_eq!(err(&gz(b"")), "no files in chart archive");
        assert_eq!(err(&gz(&tar(&[dir("c/")]))), "no files in chart archive");
    }

    #[test]
    fn links_devices_fifos_sparse_and_unknown_entries_are_refused_unlike_helm() {
        // Ours: Helm v4.2.3 loads each of these as an empty file.
        let cases = [
            (b'1', "a hard link"),
            (b'2', "a symbolic link"),
            (b'3', "a character device"),
            (b'4', "a block device"),
            (b'6', "a FIFO"),
            (b'S', "a sparse file"),
            (b'V', "an entry of type \"V\""),
        ];
        for (t, kind) in cases {
            let bytes = gz(&tar(&[
                file("c/Chart.yaml", CY),
                Hdr::new("c/templates/l.yaml").typeflag(t).block(),
            ]));
            assert_eq!(
                err(&bytes),
                format!(
                    "chart archive entry \"c/templates/l.yaml\" is {kind}; only regular files and directories are allowed"
                )
            );
        }
        let sparse = gz(&tar(&[
            file("c/Chart.yaml", CY),
            pax(
                &[("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0")],
                b'x',
            ),
            file("c/templates/s", b"data"),
        ]));
        assert!(err(&sparse).contains("is a sparse file"));
        // Contiguous files ('7') are regular files to Go and Helm.
        let c = load(&gz(&tar(&[
            file("c/Chart.yaml", CY),
            entry(Hdr::new("c/templates/v").typeflag(b'7'), b"data"),
        ])))
        .unwrap();
        assert_eq!(names(&c.templates), ["templates/v"]);
    }

    #[test]
    fn size_limits_are_helms_and_checked_from_headers_before_reading() {
        // Headers that claim more than the limits, with no data behind them: refused before
        // anything is read (Helm's messages, recorded with its default limits).
        let huge = gz(&tar(&[{
            let mut h = Hdr::new("c/templates/big");
            h.size = 200 * MIB;
            h.block()
        }]));
        assert_eq!(
            err(&huge),
            "decompressed chart is larger than the maximum size 104857600"
        );
        let big = gz(&tar(&[{
            let mut h = Hdr::new("c/templates/big");
            h.size = 6 * MIB;
            h.block()
        }]));
        assert_eq!(
            err(&big),
            "decompressed chart file \"c/templates/big\" is larger than the maximum file size 5242880"
        );
        // Helm refuses a chart whose files add up to exactly the limit (recorded at 100 MiB:
        // the exact size fails, one byte less loads); the same rule with a small limit.
        let limits = LoadLimits {
            max_total_bytes: 100,
            ..LoadLimits::default()
        };
        let fill = |n: usize| with_chart(&[("c/f", &vec![b'a'; n])]);
        let at_limit = 100 - CY.len();
        assert_eq!(
            load_archive(&fill(at_limit), &limits).unwrap_err(),
            LoadError::ChartTooLarge { max: 100 }
        );
        assert!(load_archive(&fill(at_limit - 1), &limits).is_ok());
        let limits = LoadLimits {
            max_file_bytes: 50,
            ..LoadLimits::default()
        };
        assert!(load_archive(&fill(50), &limits).is_ok());
        assert_eq!(
            load_archive(&fill(51), &limits).unwrap_err().to_string(),
            "decompressed chart file \"c/f\" is larger than the maximum file size 50"
        );
    }

    #[test]
    fn a_decompression_bomb_is_refused_while_inflating() {
        // Ours: a small archive of endless directory entries (Helm would inflate it all).
        let mut entries = vec![file("c/Chart.yaml", CY)];
        entries.extend((0..4000).map(|i| dir(&format!("c/d{i}/"))));
        let bomb = gz(&tar(&entries));
        assert!(bomb.len() < 100_000);
        let limits = LoadLimits {
            max_total_bytes: 1000,
            max_files: 10,
            ..LoadLimits::default()
        };
        let cap = 1000 + 10 * 2048 + MIB;
        assert_eq!(
            load_archive(&bomb, &limits).unwrap_err(),
            LoadError::StreamTooLarge { max: cap }
        );
        let limits = LoadLimits {
            max_archive_bytes: 10,
            ..LoadLimits::default()
        };
        assert_eq!(
            load_archive(&bomb, &limits).unwrap_err(),
            LoadError::ArchiveTooLarge {
                size: bomb.len() as u64,
                max: 10
            }
        );
    }

    #[test]
    fn the_whole_chart_tree_is_bounded_in_files_bytes_and_depth() {
        // Ours: Helm gives every subchart archive a fresh budget and has no tree limits.
        let sub = |name: &str, inner: &[(&str, &[u8])]| {
            let chart = format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n");
            let path = format!("{name}/Chart.yaml");
            let mut files = vec![(path.as_str(), chart.as_bytes())];
            files.extend_from_slice(inner);
            tgz(&files)
        };
        let s3 = sub("s3", &[]);
        let s2 = sub("s2", &[("s2/charts/s3.tgz", &s3)]);
        let s1 = sub("s1", &[("s1/charts/s2.tgz", &s2)]);
        let top = with_chart(&[("c/charts/s1.tgz", &s1)]);
        assert!(load(&top).is_ok());
        let shallow = LoadLimits {
            max_depth: 2,
            ..LoadLimits::default()
        };
        assert_eq!(
            load_archive(&top, &shallow).unwrap_err().to_string(),
            "error unpacking subchart s1.tgz in c: error unpacking subchart s2.tgz in s1: \
             error unpacking subchart s3.tgz in s2: subcharts are nested more than 2 levels deep"
        );
        let few = LoadLimits {
            max_files: 5,
            ..LoadLimits::default()
        };
        assert!(
            load_archive(&top, &few)
                .unwrap_err()
                .to_string()
                .ends_with("chart has more than 5 files")
        );
        let small = LoadLimits {
            max_tree_bytes: 200,
            ..LoadLimits::default()
        };
        assert!(
            load_archive(&top, &small)
                .unwrap_err()
                .to_string()
                .ends_with("chart and its subcharts are larger than the maximum 200 bytes")
        );
    }

    // -- gzip and tar as Go reads them ------------------------------------------------------

    #[test]
    fn gzip_streams_fail_and_succeed_as_gos_reader_makes_them() {
        let ch = file("c/Chart.yaml", CY);
        let good = gz(&tar(std::slice::from_ref(&ch)));
        let bare = gz(&ch);
        let with_bad_crc = |b: &[u8]| {
            let mut v = b.to_vec();
            let n = v.len();
            v[n - 8..n - 4].copy_from_slice(&[0, 0, 0, 0]);
            v
        };
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            (
                "truncated",
                good[..good.len() / 2].to_vec(),
                Some("unexpected EOF"),
            ),
            (
                "truncated header",
                good[..5].to_vec(),
                Some("unexpected EOF"),
            ),
            (
                "only the fixed header",
                gz(b"")[..10].to_vec(),
                Some("unexpected EOF"),
            ),
            ("not gzip", vec![b'x'; 30], Some("gzip: invalid header")),
            ("short garbage", b"abc".to_vec(), Some("unexpected EOF")),
            ("empty", Vec::new(), Some("EOF")),
            (
                "method 7",
                [&[0x1f, 0x8b, 7][..], &good[3..]].concat(),
                Some("gzip: invalid header"),
            ),
            // The trailer is only checked when the tar reader reads up to it.
            ("bad CRC after the end blocks", with_bad_crc(&good), None),
            (
                "bad CRC, no end blocks",
                with_bad_crc(&bare),
                Some("gzip: invalid checksum"),
            ),
            (
                "garbage after the end blocks",
                [&good[..], b"garbage!!!!!!!!!!"].concat(),
                None,
            ),
            (
                "garbage, no end blocks",
                [&bare[..], b"garbage!!!!!!!!!!"].concat(),
                Some("gzip: invalid header"),
            ),
            (
                "two bytes, no end blocks",
                [&bare[..], b"ab"].concat(),
                Some("unexpected EOF"),
            ),
            ("no end blocks", bare.clone(), None),
            (
                "corrupt deflate",
                [&good[..10], &[0xff; 20], &good[30..]].concat(),
                Some("flate: corrupt input before offset 1"),
            ),
        ];
        for (what, bytes, want) in cases {
            match (load(&bytes), want) {
                (Ok(c), None) => assert_eq!(c.metadata.name, "c", "{what}"),
                (Err(e), Some(w)) => assert_eq!(e, w, "{what}"),
                (got, want) => panic!(
                    "{what}: got {:?}, want {want:?}",
                    got.map(|c| c.metadata.name)
                ),
            }
        }
        // Corruption deeper in (byte 100 of an archive made by Python's gzip, flipped): Helm
        // said "flate: corrupt input before offset 91".
        let hex = "1f8b0800e96c0c6b02ff4bd677ce482c2ad1ab4ccccd61a011300002331313300d04e8b48181\
                   8919820d12373430343461503060a003282d2e492c025acf303241624166586a5171667e9e95\
                   429911575e626eaa95423257194ccc40cf50cf808b61148c7d51300a46c13003001045046b00\
                   080000";
        let flipped: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(err(&flipped), "flate: corrupt input before offset 91");
        // Concatenated members are one stream.
        let two = [gz(&ch), gz(&tar(&[file("c/templates/a.yaml", b"x")]))].concat();
        assert_eq!(names(&load(&two).unwrap().templates), ["templates/a.yaml"]);
    }

    #[test]
    fn gzip_header_fields_are_read_and_checked() {
        let payload = tar(&[file("c/Chart.yaml", CY)]);
        let member = |flags: u8, extra: &[u8], comment: &[u8], good_hcrc: bool| {
            let mut h = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3];
            if flags & 4 != 0 {
                h.extend((extra.len() as u16).to_le_bytes());
                h.extend_from_slice(extra);
            }
            if flags & 16 != 0 {
                h.extend_from_slice(comment);
                h.push(0);
            }
            if flags & 2 != 0 {
                let mut crc = flate2::Crc::new();
                crc.update(&h);
                let v = (crc.sum() & 0xffff) as u16 ^ u16::from(!good_hcrc);
                h.extend(v.to_le_bytes());
            }
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&payload).unwrap();
            h.extend(e.finish().unwrap());
            let mut crc = flate2::Crc::new();
            crc.update(&payload);
            h.extend(crc.sum().to_le_bytes());
            h.extend((payload.len() as u32).to_le_bytes());
            h
        };
        assert!(load(&member(4 | 16 | 2, b"abcd", b"hello", true)).is_ok());
        assert_eq!(err(&member(2, b"", b"", false)), "gzip: invalid header");
        assert_eq!(
            err(&member(16, b"", &[b'a'; 600], true)),
            "gzip: invalid header"
        );
        assert_eq!(err(&member(4, b"abcd", b"", true)[..13]), "unexpected EOF");
    }

    #[test]
    fn tar_headers_are_read_as_gos_archive_tar_reads_them() {
        let ch = || file("c/Chart.yaml", CY);
        let loads: Vec<(&str, Vec<u8>)> = vec![
            ("one zero block", [ch(), vec![0; 512]].concat()),
            ("no end blocks", ch()),
            ("padding missing", {
                let mut h = Hdr::new("c/Chart.yaml");
                h.size = CY.len() as u64;
                [h.block(), CY.to_vec()].concat()
            }),
            (
                "PAX path",
                tar(&[pax(&[("path", "c/Chart.yaml")], b'x'), file("ignored", CY)]),
            ),
            (
                "PAX global header",
                tar(&[pax(&[("comment", "hi")], b'g'), ch()]),
            ),
            (
                "GNU long name",
                tar(&[
                    entry(
                        Hdr::new("././@LongLink").typeflag(b'L').gnu(),
                        b"c/Chart.yaml\0",
                    ),
                    entry(Hdr::new("short").gnu(), CY),
                ]),
            ),
            (
                "V7 directory by slash",
                tar(&[entry(Hdr::new("c/templates/").typeflag(0).v7(), b""), ch()]),
            ),
            (
                "V7 file",
                tar(&[entry(Hdr::new("c/Chart.yaml").typeflag(0).v7(), CY)]),
            ),
            (
                "directory mode bits",
                tar(&[
                    ch(),
                    entry(
                        Hdr {
                            mode: 0o40755,
                            ..Hdr::new("c/templates/x")
                        },
                        b"data",
                    ),
                ]),
            ),
            (
                "base-256 size",
                tar(&[{
                    let mut f = vec![0x80u8];
                    f.extend([0; 10]);
                    f.push(CY.len() as u8);
                    let mut v = Hdr {
                        size_field: Some(f),
                        ..Hdr::new("c/Chart.yaml")
                    }
                    .block();
                    v.extend(padded(CY));
                    v
                }]),
            ),
            (
                "USTAR prefix",
                tar(&[entry(
                    Hdr {
                        prefix: b"c".to_vec(),
                        ..Hdr::new("Chart.yaml")
                    },
                    CY,
                )]),
            ),
            (
                "directory claiming a size",
                tar(&[
                    {
                        let mut h = Hdr::new("c/templates/").typeflag(b'5');
                        h.size = 1024;
                        h.block()
                    },
                    ch(),
                ]),
            ),
            (
                "NUL in the name field",
                tar(&[file("c/Chart.yaml\0junk", CY)]),
            ),
        ];
        for (what, t) in loads {
            let c = load(&gz(&t)).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(
                (c.metadata.name.as_str(), c.templates.len()),
                ("c", 0),
                "{what}"
            );
        }
        let invalid = "archive/tar: invalid tar header";
        let fails: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "zero block then data",
                [ch(), vec![0; 512], vec![1], vec![0; 511]].concat(),
                invalid,
            ),
            (
                "bad checksum",
                tar(&[entry(
                    Hdr {
                        checksum: Some(b"0000000\0".to_vec()),
                        ..Hdr::new("c/Chart.yaml")
                    },
                    CY,
                )]),
                invalid,
            ),
            (
                "size not octal",
                tar(&[{
                    let mut v = Hdr {
                        size_field: Some(b"abcdefghijk\0".to_vec()),
                        ..Hdr::new("c/Chart.yaml")
                    }
                    .block();
                    v.extend(padded(CY));
                    v
                }]),
                invalid,
            ),
            (
                "mode not octal",
                tar(&[entry(
                    Hdr {
                        mode_field: Some(b"0000x44\0".to_vec()),
                        ..Hdr::new("c/Chart.yaml")
                    },
                    CY,
                )]),
                invalid,
            ),
            (
                "negative size",
                tar(&[{
                    let mut v = Hdr {
                        size_field: Some(vec![0xff; 12]),
                        ..Hdr::new("c/Chart.yaml")
                    }
                    .block();
                    v.extend(padded(CY));
                    v
                }]),
                invalid,
            ),
            (
                "PAX size not a number",
                tar(&[pax(&[("size", "abc")], b'x'), ch()]),
                invalid,
            ),
            (
                "PAX record malformed",
                tar(&[
                    entry(Hdr::new("PaxHeaders/x").typeflag(b'x'), b"garbage"),
                    ch(),
                ]),
                invalid,
            ),
            (
                "data cut short",
                {
                    let mut h = Hdr::new("c/Chart.yaml");
                    h.size = CY.len() as u64 + 100;
                    [h.block(), CY.to_vec()].concat()
                },
                "unexpected EOF",
            ),
            (
                "header cut short",
                [ch(), b"abc".to_vec()].concat(),
                "unexpected EOF",
            ),
        ];
        for (what, t, want) in fails {
            assert_eq!(err(&gz(&t)), want, "{what}");
        }
        let mut special = Hdr::new("././@LongLink").typeflag(b'L').gnu();
        special.size = MAX_SPECIAL_FILE + 1;
        assert_eq!(
            err(&gz(&tar(&[special.block()]))),
            "archive/tar: header field too long"
        );
    }

    // -- Chart.yaml -------------------------------------------------------------------------

    #[test]
    fn chart_yaml_numbers_and_booleans_become_strings_where_helm_wants_strings() {
        let m = meta(&chart_yaml(
            "apiVersion: v2\nname: 123\nversion: 1.0\nappVersion: 1.10\nkubeVersion: 1.2\nkeywords: [1, a, true]\nannotations: {a: 1, 1: 2, true: false, z: null}\nmaintainers: [{name: 1, email: true, URL: 2.5}]\ndependencies: [{name: a, tags: [1, true], alias: 12}]\n",
        ));
        assert_eq!(m.name, "123");
        assert_eq!(m.version, "1");
        assert_eq!(m.app_version, "1.1");
        assert_eq!(m.kube_version, "1.2");
        assert_eq!(m.keywords, ["1", "a", "true"]);
        let annotations: Vec<(&str, &str)> = m
            .annotations
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            annotations,
            [("1", "2"), ("a", "1"), ("true", "false"), ("z", "")]
        );
        assert_eq!(
            m.maintainers,
            [Maintainer {
                name: "1".into(),
                email: "true".into(),
                url: "2.5".into()
            }]
        );
        assert_eq!(
            (
                m.dependencies[0].tags.clone(),
                m.dependencies[0].alias.as_str()
            ),
            (vec!["1".to_string(), "true".to_string()], "12")
        );
        // strconv.FormatFloat(f, 'g', -1, 32), as Helm printed each.
        for (yaml, want) in [
            ("3.14159265358979", "3.1415927"),
            ("0.00001", "1e-05"),
            ("-0.0", "-0"),
            ("123456789.5", "1.2345679e+08"),
            ("0x1F", "31"),
            ("true", "true"),
            ("1000000", "1000000"),
        ] {
            let m = meta(&chart_yaml(&format!(
                "apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: {yaml}\n"
            )));
            assert_eq!(m.app_version, want, "{yaml}");
        }
    }

    #[test]
    fn chart_yaml_keys_match_fields_case_insensitively_and_later_keys_win() {
        let m = meta(&chart_yaml("APIVERSION: v2\nNAME: c\nVersion: 0.1.0\n"));
        assert_eq!(
            (m.api_version.as_str(), m.name.as_str(), m.version.as_str()),
            ("v2", "c", "0.1.0")
        );
        assert_eq!(
            meta(&chart_yaml(
                "apiVersion: v2\nName: a\nname: b\nversion: 0.1.0\n"
            ))
            .name,
            "b"
        );
        assert_eq!(
            meta(&chart_yaml(
                "apiVersion: v2\nname: c\nname: d\nversion: 0.1.0\n"
            ))
            .name,
            "d"
        );
        // The Kelvin sign folds to k, as in bytes.EqualFold.
        assert_eq!(
            meta(&chart_yaml(
                "apiVersion: v2\nname: c\nversion: 0.1.0\n\u{212A}eywords: [a]\n"
            ))
            .keywords,
            ["a"]
        );
        let m = meta(&chart_yaml(
            "apiVersion: v2\nname: c\nversion: 0.1.0\nDependencies: [{NAME: a, Import-Values: [x, {child: a, parent: b}, 3]}]\n1: x\nfoo: bar\n",
        ));
        assert_eq!(m.dependencies[0].name, "a");
        assert_eq!(
            m.dependencies[0].import_values,
            [
                serde_json::json!("x"),
                serde_json::json!({"child": "a", "parent": "b"}),
                serde_json::json!(3.0)
            ]
        );
        let m = meta(&chart_yaml(
            "apiVersion: v2\nname: c\nversion: 0.1.0\nsources: [null, a]\nmaintainers: [{}]\ndependencies: [{}]\n",
        ));
        assert_eq!(m.sources, ["", "a"]);
        assert_eq!(m.maintainers, [Maintainer::default()]);
        assert_eq!(
            (m.dependencies[0].name.as_str(), m.dependencies.len()),
            ("", 1)
        );
    }

    #[test]
    fn chart_yaml_without_api_version_is_v1_and_any_other_version_loads() {
        assert_eq!(
            meta(&chart_yaml("name: c\nversion: 0.1.0\n")).api_version,
            "v1"
        );
        assert_eq!(
            meta(&chart_yaml("apiVersion: v3\nname: c\nversion: 0.1.0\n")).api_version,
            "v3"
        );
        assert_eq!(
            meta(&chart_yaml(
                "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n"
            ))
            .chart_type,
            "library"
        );
    }

    #[test]
    fn chart_yaml_type_errors_are_go_decoding_errors_and_the_first_one_wins() {
        let prefix = "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ";
        let head = "apiVersion: v2\nname: c\nversion: 0.1.0\n";
        let cases = [
            ("- a\n", "array into Go value of type v2.Metadata"),
            ("hello\n", "string into Go value of type v2.Metadata"),
            (
                "apiVersion: v2\nname: [a]\nversion: 0.1.0\n",
                "array into Go struct field Metadata.name of type string",
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(err(&chart_yaml(yaml)), format!("{prefix}{want}"), "{yaml}");
        }
        let cases = [
            (
                "deprecated: \"yes\"",
                "string into Go struct field Metadata.deprecated of type bool",
            ),
            (
                "deprecated: 1",
                "number into Go struct field Metadata.deprecated of type bool",
            ),
            (
                "annotations: [a]",
                "array into Go struct field Metadata.annotations of type map[string]string",
            ),
            (
                "annotations: {a: {b: 1}}",
                "object into Go struct field Metadata.annotations of type string",
            ),
            (
                "maintainers: [{name: {a: 1}}]",
                "object into Go struct field Maintainer.maintainers.name of type string",
            ),
            (
                "maintainers: [abc]",
                "string into Go struct field Metadata.maintainers of type v2.Maintainer",
            ),
            (
                "dependencies: [1]",
                "number into Go struct field Metadata.dependencies of type v2.Dependency",
            ),
            (
                "dependencies: {a: 1}",
                "object into Go struct field Metadata.dependencies of type []*v2.Dependency",
            ),
            (
                "dependencies: [{name: a, enabled: \"yes\"}]",
                "string into Go struct field Dependency.dependencies.enabled of type bool",
            ),
            (
                "dependencies: [{name: a, import-values: x}]",
                "string into Go struct field Dependency.dependencies.import-values of type []interface {}",
            ),
            (
                "keywords: abc",
                "string into Go struct field Metadata.keywords of type []string",
            ),
            (
                "sources: [{a: 1}]",
                "object into Go struct field Metadata.sources of type string",
            ),
            // Keys are decoded in sorted order; the first error is kept.
            (
                "keywords: 1\ndeprecated: x",
                "string into Go struct field Metadata.deprecated of type bool",
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(
                err(&chart_yaml(&format!("{head}{yaml}\n"))),
                format!("{prefix}{want}"),
                "{yaml}"
            );
        }
        assert_eq!(
            err(&chart_yaml("apiVersion: v2\nname: [c\nversion: 0.1.0\n")),
            "cannot load Chart.yaml: error converting YAML to JSON: yaml: line 2: did not find expected ',' or ']'"
        );
        assert_eq!(
            err(&chart_yaml(&format!("{head}foo: .inf\n"))),
            "cannot load Chart.yaml: error converting YAML to JSON: json: unsupported value: +Inf"
        );
        assert_eq!(
            err(&tgz(&[(
                "c/Chart.yaml",
                b"apiVersion: v2\nname: c\xff\nversion: 0.1.0\n"
            )])),
            "cannot load Chart.yaml: error converting YAML to JSON: yaml: invalid leading UTF-8 octet"
        );
    }

    #[test]
    fn chart_yaml_in_utf16_is_read_like_libyaml_reads_it() {
        let text = "apiVersion: v2\nname: c\nversion: 0.1.0\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(meta(&tgz(&[("c/Chart.yaml", &le)])).name, "c");
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(meta(&tgz(&[("c/Chart.yaml", &be)])).name, "c");
    }

    #[test]
    fn metadata_is_sanitized_and_validated_with_helms_messages() {
        let v = |yaml: &str| err(&chart_yaml(yaml));
        let cases = [
            (
                "apiVersion: v2\nversion: 0.1.0\n",
                "validation: chart.metadata.name is required",
            ),
            ("", "validation: chart.metadata.name is required"),
            (
                "apiVersion: v2\nname: \"\\x01\"\nversion: 0.1.0\n",
                "validation: chart.metadata.name is required",
            ),
            (
                "apiVersion: v2\nname: c\n",
                "validation: chart.metadata.version is required",
            ),
            (
                "apiVersion: v2\nname: c\nversion: foo\n",
                "validation: chart.metadata.version \"foo\" is invalid",
            ),
            (
                "apiVersion: v2\nname: c\nversion: \"1.0\\x01\"\n",
                "validation: chart.metadata.version \"1.0\\x01\" is invalid",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: foo\n",
                "validation: chart.metadata.type must be application or library",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: 1\n",
                "validation: chart.metadata.type must be application or library",
            ),
            (
                "apiVersion: v2\nname: a/b\nversion: 0.1.0\n",
                "validation: chart.metadata.name \"a/b\" is invalid",
            ),
            (
                "apiVersion: v2\nname: //\nversion: 0.1.0\n",
                "validation: chart.metadata.name \"//\" is invalid",
            ),
            (
                "apiVersion: v2\nname: .\n",
                "validation: chart.metadata.name \".\" is not allowed",
            ),
            (
                "apiVersion: v2\nname: ..\nversion: 0.1.0\n",
                "validation: chart.metadata.name \"..\" is not allowed",
            ),
            (
                "apiVersion: v2\nname: \".\\x01.\"\nversion: 0.1.0\n",
                "validation: chart.metadata.name \"..\" is not allowed",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\nmaintainers: [null]\n",
                "validation: maintainers must not contain empty or null nodes",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [null, {name: a, alias: 'b c'}]\n",
                "validation: dependencies must not contain empty or null nodes",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: a, alias: 'x y'}]\n",
                "validation: dependency \"a\" has disallowed characters in the alias",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: \"a\\x01\", alias: \"b\\tc\"}]\n",
                "validation: dependency \"a\" has disallowed characters in the alias",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: a}, {name: a}]\n",
                "validation: more than one dependency with name or alias \"a\"",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: a, alias: b}, {name: b}]\n",
                "validation: more than one dependency with name or alias \"b\"",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: a, alias: ''}, {name: a, alias: ''}]\n",
                "validation: more than one dependency with name or alias \"a\"",
            ),
            (
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: \"a\\x01\"}, {name: a}]\n",
                "validation: more than one dependency with name or alias \"a\"",
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(v(yaml), want, "{yaml}");
        }
        let m = meta(&chart_yaml(
            "apiVersion: v2\nname: \"a\\tb\"\nversion: 0.1.0\ndescription: \"a\\x01b\\u00a0c\"\nkeywords: [\"a\\x01b\", \"c\\td\"]\n",
        ));
        assert_eq!((m.name.as_str(), m.description.as_str()), ("a b", "ab c"));
        assert_eq!(m.keywords, ["ab", "c d"]);
        assert_eq!(
            meta(&chart_yaml("apiVersion: v2\nname: /\nversion: 0.1.0\n")).name,
            "/"
        );
    }

    #[test]
    fn chart_versions_are_checked_as_masterminds_semver_does() {
        let valid = [
            "1",
            "1.2",
            "v1.2.3",
            "01.2.3",
            "1.2.3-0a",
            "18446744073709551615.0.0",
            "1.2.3-rc.1+build.5",
            "1.2.3+0001",
            "1.2-rc1",
            "1-rc1",
        ];
        for v in valid {
            assert_eq!(
                meta(&chart_yaml(&format!(
                    "apiVersion: v2\nname: c\nversion: \"{v}\"\n"
                )))
                .version,
                v
            );
        }
        let invalid = [
            "V1.2.3",
            "1.2.3.4",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "99999999999999999999.0.0",
            "1.2.3 ",
            "1.2.3-a_b",
            "1.2.3-alpha.00",
            "1..2",
            "v",
        ];
        for v in invalid {
            assert_eq!(
                err(&chart_yaml(&format!(
                    "apiVersion: v2\nname: c\nversion: \"{v}\"\n"
                ))),
                format!("validation: chart.metadata.version \"{v}\" is invalid")
            );
        }
    }

    #[test]
    fn a_later_chart_yaml_or_requirements_yaml_decodes_on_top_of_the_earlier_one() {
        let m = meta(&tgz(&[
            (
                "c/Chart.yaml",
                b"apiVersion: v2\nname: c\nversion: 0.1.0\ndescription: d1\nkeywords: [a, b]\n",
            ),
            ("c/Chart.yaml", b"name: c2\nkeywords: [z]\n"),
        ]));
        assert_eq!(
            (m.name.as_str(), m.description.as_str(), m.keywords.clone()),
            ("c2", "d1", vec!["z".to_string()])
        );
        // Slice elements are decoded into in place, even past the length a shorter list left.
        let dep = |d: &Dependency| (d.name.clone(), d.version.clone(), d.repository.clone());
        let m = meta(&tgz(&[
            ("c/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies: [{name: a, version: 1.0.0}, {name: z, repository: r}]\n"),
            ("c/Chart.yaml", b"dependencies: [{name: b}]\n"),
            ("c/Chart.yaml", b"dependencies: [{name: d}, {name: e}]\n"),
        ]));
        let deps: Vec<_> = m.dependencies.iter().map(dep).collect();
        assert_eq!(
            deps,
            [
                ("d".into(), "1.0.0".into(), String::new()),
                ("e".into(), String::new(), "r".into())
            ]
        );
        let m = meta(&tgz(&[
            (
                "c/Chart.yaml",
                b"apiVersion: v2\nname: c\nversion: 0.1.0\nkeywords: [a, b]\n",
            ),
            ("c/Chart.yaml", b"keywords: [x]\n"),
            ("c/Chart.yaml", b"keywords: [null, null]\n"),
        ]));
        assert_eq!(m.keywords, ["x", "b"]);
        let m = meta(&tgz(&[
            ("c/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 0.1.0\nmaintainers: [{name: a, email: e}]\nannotations: {a: '1', b: '2'}\n"),
            ("c/Chart.yaml", b"maintainers: [{name: b}]\nannotations: {b: '3'}\n"),
        ]));
        assert_eq!(
            m.maintainers,
            [Maintainer {
                name: "b".into(),
                email: "e".into(),
                url: String::new()
            }]
        );
        assert_eq!(
            m.annotations.into_iter().collect::<Vec<_>>(),
            [("a".into(), "1".into()), ("b".into(), "3".into())]
        );
        let m = meta(&tgz(&[
            (
                "c/Chart.yaml",
                b"apiVersion: v2\nname: c\nversion: 0.1.0\nkeywords: [a]\nannotations: {a: b}\n",
            ),
            ("c/Chart.yaml", b"keywords: null\nannotations: null\n"),
        ]));
        assert!(m.keywords.is_empty() && m.annotations.is_empty());
    }

    #[test]
    fn requirements_yaml_feeds_the_metadata_and_is_a_file_of_v1_charts_only() {
        let c = load(&tgz(&[
            ("c/Chart.yaml", b"apiVersion: v1\nname: c\nversion: 0.1.0\n"),
            (
                "c/requirements.yaml",
                b"dependencies: [{name: a, version: 1.0.0}]\n",
            ),
            ("c/requirements.lock", b"digest: x\n"),
        ]))
        .unwrap();
        assert_eq!(names(&c.files), ["requirements.yaml", "requirements.lock"]);
        assert_eq!(
            (
                c.metadata.dependencies[0].name.as_str(),
                c.metadata.dependencies[0].version.as_str()
            ),
            ("a", "1.0.0")
        );
        let c = load(&with_chart(&[(
            "c/requirements.yaml",
            b"dependencies: [{name: a, version: 1.0.0}]\n",
        )]))
        .unwrap();
        assert!(c.files.is_empty());
        assert_eq!(c.metadata.dependencies.len(), 1);
        // Chart.yaml files are read first, whatever their place.
        let c = load(&tgz(&[
            ("c/requirements.yaml", b"name: zz\n"),
            ("c/Chart.yaml", b"apiVersion: v1\nname: c\nversion: 0.1.0\n"),
        ]))
        .unwrap();
        assert_eq!(c.metadata.name, "zz");
        let m = meta(&tgz(&[
            ("c/Chart.yaml", b"apiVersion: v1\nname: c\nversion: 0.1.0\ndependencies: [{name: a, version: 1.0.0, repository: r}]\n"),
            ("c/requirements.yaml", b"dependencies: [{name: b}, {name: q}]\n"),
        ]));
        let deps: Vec<_> = m
            .dependencies
            .iter()
            .map(|d| (d.name.as_str(), d.version.as_str(), d.repository.as_str()))
            .collect();
        assert_eq!(deps, [("b", "1.0.0", "r"), ("q", "", "")]);
        let required = "validation: chart.metadata.apiVersion is required";
        assert_eq!(
            err(&with_chart(&[(
                "c/requirements.yaml",
                b"apiVersion: \"\"\n"
            )])),
            required
        );
        assert_eq!(
            err(&tgz(&[(
                "c/requirements.yaml",
                b"name: zz\nversion: 1.0.0\n"
            )])),
            required
        );
        assert_eq!(
            err(&tgz(&[("c/requirements.lock", b"digest: x\n")])),
            required
        );
        assert_eq!(
            err(&with_chart(&[("c/requirements.yaml", b"a: [\n")])),
            "cannot load requirements.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content"
        );
    }

    // -- values and lock files --------------------------------------------------------------

    #[test]
    fn values_yaml_is_read_as_helm_reads_it_with_helms_error_prefix() {
        let c = load(&with_chart(&[(
            "c/values.yaml",
            b"a: 1\nm: {x: 1}\n---\nb: 2\nm: {z: 2}\n",
        )]))
        .unwrap();
        assert_eq!(
            c.values,
            serde_json::json!({"a": 1.0, "b": 2.0, "m": {"x": 1.0, "z": 2.0}})
                .as_object()
                .cloned()
                .unwrap()
        );
        let cases: [(&[u8], &str); 5] = [
            (
                b"a: [",
                "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected node content",
            ),
            (
                b"- a\n",
                "cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
            ),
            (
                b"a: 1\n--- x\nb: 2\n",
                "cannot load values.yaml: error reading yaml document: invalid Yaml document separator: x",
            ),
            (
                b"a: \xff\n",
                "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: invalid leading UTF-8 octet",
            ),
            (
                b"a: 1\nb: 2\nc: \xc3\x28\n",
                "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: invalid trailing UTF-8 octet",
            ),
        ];
        for (values, want) in cases {
            assert_eq!(err(&with_chart(&[("c/values.yaml", values)])), want);
        }
    }

    #[test]
    fn lock_files_are_decoded_for_their_errors() {
        let lock = |text: &str| with_chart(&[("c/Chart.lock", text.as_bytes())]);
        for ok in [
            "digest: abc\ngenerated: \"2024-01-02T03:04:05.123456789Z\"\ndependencies: [{name: a, version: 1.0.0, repository: r}]\n",
            "generated: 2024-01-02T03:04:05.123456789Z\n",
            "generated: null\n",
            "digest: 12\n",
            "dependencies: [null]\n",
        ] {
            assert!(load(&lock(ok)).is_ok(), "{ok}");
        }
        let prefix = "cannot load Chart.lock: ";
        let decoding = "error unmarshaling JSON: while decoding JSON: ";
        let cases = [
            (
                "digest: [",
                "error converting YAML to JSON: yaml: line 1: did not find expected node content"
                    .to_string(),
            ),
            (
                "- a\n",
                format!("{decoding}json: cannot unmarshal array into Go value of type v2.Lock"),
            ),
            (
                "digest: [a]\n",
                format!(
                    "{decoding}json: cannot unmarshal array into Go struct field Lock.digest of type string"
                ),
            ),
            (
                "dependencies: abc\n",
                format!(
                    "{decoding}json: cannot unmarshal string into Go struct field Lock.dependencies of type []*v2.Dependency"
                ),
            ),
            (
                "dependencies: [{name: a, tags: 1}]\n",
                format!(
                    "{decoding}json: cannot unmarshal number into Go struct field Dependency.dependencies.tags of type []string"
                ),
            ),
            (
                "generated: 5\n",
                format!("{decoding}Time.UnmarshalJSON: input is not a JSON string"),
            ),
            (
                "generated: {a: 1}\n",
                format!("{decoding}Time.UnmarshalJSON: input is not a JSON string"),
            ),
            // time.Time's own error ends decoding, ahead of a type error met before it.
            (
                "dependencies: 1\ngenerated: bad\n",
                format!(
                    "{decoding}parsing time \"bad\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"bad\" as \"2006\""
                ),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(err(&lock(text)), format!("{prefix}{want}"), "{text}");
        }
        assert_eq!(
            err(&with_chart(&[("c/requirements.lock", b"digest: [")])),
            "cannot load requirements.lock: error converting YAML to JSON: yaml: line 1: did not find expected node content"
        );
    }

    #[test]
    fn lock_times_are_parsed_as_gos_rfc3339_layout() {
        let layout = "as \"2006-01-02T15:04:05Z07:00\": ";
        let cases = [
            ("2024-01-02T3:04:05Z", None),
            ("2024-01-02T03:04:05,5Z", None),
            ("2024-02-29T00:00:00Z", None),
            ("2024-01-02T03:04:05-01:30", None),
            (
                "foo",
                Some(format!("\"foo\" {layout}cannot parse \"foo\" as \"2006\"")),
            ),
            (
                "",
                Some(format!("\"\" {layout}cannot parse \"\" as \"2006\"")),
            ),
            (
                "2024-01-02",
                Some(format!("\"2024-01-02\" {layout}cannot parse \"\" as \"T\"")),
            ),
            (
                "2024-01-02 03:04:05Z",
                Some(format!(
                    "\"2024-01-02 03:04:05Z\" {layout}cannot parse \" 03:04:05Z\" as \"T\""
                )),
            ),
            (
                "2024-01-02t03:04:05z",
                Some(format!(
                    "\"2024-01-02t03:04:05z\" {layout}cannot parse \"t03:04:05z\" as \"T\""
                )),
            ),
            (
                "2024-01-02T03:04:05.Z",
                Some(format!(
                    "\"2024-01-02T03:04:05.Z\" {layout}cannot parse \".Z\" as \"Z07:00\""
                )),
            ),
            (
                "2024-01-02T03:04:05+0100",
                Some(format!(
                    "\"2024-01-02T03:04:05+0100\" {layout}cannot parse \"+0100\" as \"Z07:00\""
                )),
            ),
            (
                "2024-01-02T03:04:05*01:00",
                Some(format!(
                    "\"2024-01-02T03:04:05*01:00\" {layout}cannot parse \"*01:00\" as \"Z07:00\""
                )),
            ),
            (
                "2024-01-02T03:04:05.5",
                Some(format!(
                    "\"2024-01-02T03:04:05.5\" {layout}cannot parse \"\" as \"Z07:00\""
                )),
            ),
            (
                "20a4-01-02T03:04:05Z",
                Some(format!(
                    "\"20a4-01-02T03:04:05Z\" {layout}cannot parse \"20a4-01-02T03:04:05Z\" as \"2006\""
                )),
            ),
            (
                "+024-01-02T03:04:05Z",
                Some(format!(
                    "\"+024-01-02T03:04:05Z\" {layout}cannot parse \"+024-01-02T03:04:05Z\" as \"2006\""
                )),
            ),
            (
                "2024-1-02T03:04:05Z",
                Some(format!(
                    "\"2024-1-02T03:04:05Z\" {layout}cannot parse \"1-02T03:04:05Z\" as \"01\""
                )),
            ),
            (
                "2024-01-2T03:04:05Z",
                Some(format!(
                    "\"2024-01-2T03:04:05Z\" {layout}cannot parse \"2T03:04:05Z\" as \"02\""
                )),
            ),
            (
                "2024-01-02T03:04Z",
                Some(format!(
                    "\"2024-01-02T03:04Z\" {layout}cannot parse \"Z\" as \":\""
                )),
            ),
            (
                "2024-13-02T03:04:05Z",
                Some("\"2024-13-02T03:04:05Z\": month out of range".into()),
            ),
            (
                "2024-00-02T03:04:05Z",
                Some("\"2024-00-02T03:04:05Z\": month out of range".into()),
            ),
            (
                "2024-01-00T03:04:05Z",
                Some("\"2024-01-00T03:04:05Z\": day out of range".into()),
            ),
            (
                "2024-02-30T00:00:00Z",
                Some("\"2024-02-30T00:00:00Z\": day out of range".into()),
            ),
            (
                "2023-02-29T00:00:00Z",
                Some("\"2023-02-29T00:00:00Z\": day out of range".into()),
            ),
            (
                "2024-01-02T24:00:00Z",
                Some("\"2024-01-02T24:00:00Z\": hour out of range".into()),
            ),
            (
                "2024-01-02T03:60:00Z",
                Some("\"2024-01-02T03:60:00Z\": minute out of range".into()),
            ),
            (
                "2024-01-02T03:04:60Z",
                Some("\"2024-01-02T03:04:60Z\": second out of range".into()),
            ),
            (
                "2024-01-02T03:04:05+25:00",
                Some("\"2024-01-02T03:04:05+25:00\": time zone offset hour out of range".into()),
            ),
            (
                "2024-01-02T03:04:05+25:xx",
                Some("\"2024-01-02T03:04:05+25:xx\": time zone offset hour out of range".into()),
            ),
            (
                "2024-01-02T03:04:05+01:61",
                Some("\"2024-01-02T03:04:05+01:61\": time zone offset minute out of range".into()),
            ),
            (
                "2024-01-02T03:04:05Zjunk",
                Some("\"2024-01-02T03:04:05Zjunk\": extra text: \"junk\"".into()),
            ),
            // Go reads the string as JSON-encoded (<, > escaped) and quotes bytes as \xNN.
            (
                "<2024>",
                Some(format!(
                    "\"\\\\u003c2024\\\\u003e\" {layout}cannot parse \"\\\\u003c2024\\\\u003e\" as \"2006\""
                )),
            ),
            (
                "\u{e9}024-01-02",
                Some(format!(
                    "\"\\xc3\\xa9024-01-02\" {layout}cannot parse \"\\xc3\\xa9024-01-02\" as \"2006\""
                )),
            ),
        ];
        for (time, want) in cases {
            let json = serde_json::to_string(time).unwrap();
            let got = load(&with_chart(&[(
                "c/Chart.lock",
                format!("generated: {json}\n").as_bytes(),
            )]));
            match want {
                None => assert!(got.is_ok(), "{time}: {:?}", got.err()),
                Some(w) => assert_eq!(
                    got.err().as_deref(),
                    Some(format!("cannot load Chart.lock: error unmarshaling JSON: while decoding JSON: parsing time {w}").as_str()),
                    "{time}"
                ),
            }
        }
    }

    // -- subcharts --------------------------------------------------------------------------

    fn sub(name: &str) -> Vec<u8> {
        tgz(&[(
            &format!("{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n").as_bytes(),
        )])
    }

    #[test]
    fn subcharts_load_from_archives_and_directories_in_order_of_appearance() {
        let (zeta, alpha, mid) = (sub("zeta"), sub("alpha"), sub("mid"));
        let c = load(&with_chart(&[
            ("c/charts/zeta-0.1.0.tgz", &zeta),
            (
                "c/charts/dirsub/Chart.yaml",
                b"apiVersion: v2\nname: dirsub\nversion: 0.1.0\n",
            ),
            ("c/charts/dirsub/templates/a.yaml", b"a"),
            ("c/charts/alpha-0.1.0.tgz", &alpha),
            ("c/charts/mid-0.1.0.tgz", &mid),
            ("c/charts/_skipped/Chart.yaml", b"bad: ["),
            ("c/charts/.skipped/Chart.yaml", b"bad: ["),
            ("c/charts/.skipped.tgz", b"garbage"),
            ("c/charts/zeta-0.1.0.tgz.prov", b"sig"),
            ("c/charts/dirsub/z.prov", b"p"),
        ]))
        .unwrap();
        // Helm ranges over a Go map here, so its order varies between runs; this is one of
        // the orders it produces.
        let deps: Vec<&str> = c
            .dependencies
            .iter()
            .map(|d| d.metadata.name.as_str())
            .collect();
        assert_eq!(deps, ["zeta", "dirsub", "alpha", "mid"]);
        assert_eq!(names(&c.dependencies[1].templates), ["templates/a.yaml"]);
        assert_eq!(
            names(&c.files),
            ["charts/zeta-0.1.0.tgz.prov", "charts/dirsub/z.prov"]
        );
        let nested = load(&with_chart(&[
            (
                "c/charts/x/Chart.yaml",
                b"apiVersion: v2\nname: x\nversion: 0.1.0\n",
            ),
            ("c/charts/x/charts/s1.tgz", &sub("s1")),
        ]))
        .unwrap();
        assert_eq!(nested.dependencies[0].dependencies[0].metadata.name, "s1");
    }

    #[test]
    fn subchart_errors_are_wrapped_with_the_parents_name() {
        let bad_yaml = tgz(&[
            ("x/Chart.yaml", b"apiVersion: v2\nname: x\nversion: 0.1.0\n"),
            ("x/charts/y/Chart.yaml", b"name: ["),
        ]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                with_chart(&[("c/charts/README.md", b"hi")]),
                "error unpacking subchart README.md in c: Chart.yaml file is missing",
            ),
            (
                with_chart(&[("c/charts/x.tgz", b"garbage")]),
                "error unpacking subchart x.tgz in c: unexpected EOF",
            ),
            (
                with_chart(&[("c/charts/x.tgz", &gz(b"garbage"))]),
                "error unpacking subchart x.tgz in c: unexpected EOF",
            ),
            (
                with_chart(&[(
                    "c/charts/x.tgz/Chart.yaml",
                    b"apiVersion: v2\nname: x\nversion: 0.1.0\n",
                )]),
                "error unpacking subchart tar in c: expected x.tgz, got x.tgz/Chart.yaml",
            ),
            (
                with_chart(&[("c/charts/x/Chart.yaml", b"apiVersion: v2\nversion: 0.1.0\n")]),
                "error unpacking subchart x in c: validation: chart.metadata.name is required",
            ),
            (
                with_chart(&[(
                    "c/charts/x.tgz",
                    &tgz(&[("x/Chart.yaml", b"apiVersion: v2\nversion: 0.1.0\n")]),
                )]),
                "error unpacking subchart x.tgz in c: validation: chart.metadata.name is required",
            ),
            (
                with_chart(&[("c/charts/x.tgz", &bad_yaml)]),
                "error unpacking subchart x.tgz in c: error unpacking subchart y in x: cannot load Chart.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
            ),
            (
                with_chart(&[
                    (
                        "c/charts/x/Chart.yaml",
                        b"apiVersion: v2\nname: x\nversion: 0.1.0\n",
                    ),
                    ("c/charts/x/values.yaml", b"a: ["),
                ]),
                "error unpacking subchart x in c: cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected node content",
            ),
            (
                with_chart(&[("c/charts/x.TGZ", &sub("x"))]),
                "error unpacking subchart x.TGZ in c: Chart.yaml file is missing",
            ),
            (
                with_chart(&[("c/charts/x.tar.gz", &sub("x"))]),
                "error unpacking subchart x.tar.gz in c: Chart.yaml file is missing",
            ),
            (
                with_chart(&[(
                    "c/charts//Chart.yaml",
                    b"apiVersion: v2\nname: e\nversion: 0.1.0\n",
                )]),
                "error unpacking subchart Chart.yaml in c: Chart.yaml file is missing",
            ),
            (
                tgz(&[
                    (
                        "c/Chart.yaml",
                        b"apiVersion: v2\nname: \"p\\tq\"\nversion: 0.1.0\n",
                    ),
                    ("c/charts/x/Chart.yaml", b"version: 1\n"),
                ]),
                "error unpacking subchart x in p q: validation: chart.metadata.name is required",
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(err(&bytes), want);
        }
    }

    #[test]
    fn load_files_takes_files_as_they_are() {
        let files = vec![
            File {
                name: "Chart.yaml".into(),
                data: Arc::from(CY),
            },
            File {
                name: "templates/a.yaml".into(),
                data: Arc::from(&b"\xEF\xBB\xBFx"[..]),
            },
            File {
                name: "charts/s.tgz".into(),
                data: Arc::from(sub("s")),
            },
        ];
        let c = load_files(files, &LoadLimits::default()).unwrap();
        // LoadFiles removes no BOM: the loaders that read bytes do.
        assert_eq!(c.templates[0].data.as_ref(), b"\xEF\xBB\xBFx");
        assert_eq!(c.dependencies[0].metadata.name, "s");
        let few = LoadLimits {
            max_files: 1,
            ..LoadLimits::default()
        };
        let two = vec![
            File {
                name: "Chart.yaml".into(),
                data: Arc::from(CY),
            },
            File {
                name: "README.md".into(),
                data: Arc::from(&b"r"[..]),
            },
        ];
        assert_eq!(
            load_files(two, &few).unwrap_err(),
            LoadError::TooManyFiles { max: 1 }
        );
        let files = archive_files(
            &with_chart(&[("c/templates/a.yaml", b"\xEF\xBB\xBFx")]),
            &LoadLimits::default(),
        )
        .unwrap();
        assert_eq!(names(&files), ["Chart.yaml", "templates/a.yaml"]);
        assert_eq!(files[1].data.as_ref(), b"x");
    }

    // -- the corpus -------------------------------------------------------------------------

    /// Every corpus archive loads as Helm loaded it: the chart's name, version, template and
    /// file counts and subchart names, recorded from `helm_python.Chart.load` in
    /// `tests/fixtures/chart_load_corpus.tsv`.
    #[test]
    fn every_corpus_archive_loads_as_helm_loads_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = root.join("../shared/corpus");
        if !corpus.is_dir() {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED every_corpus_archive_loads_as_helm_loads_it: ../shared/corpus is not beside the checkout"
            );
            return;
        }
        let fixture =
            std::fs::read_to_string(root.join("tests/fixtures/chart_load_corpus.tsv")).unwrap();
        let mut checked = 0;
        for line in fixture
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let (path, name, version, templates, files, subcharts) =
                (cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]);
            let bytes = std::fs::read(corpus.join(path)).unwrap();
            let c = load_archive(&bytes, &LoadLimits::default())
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut subs: Vec<&str> = c
                .dependencies
                .iter()
                .map(|d| d.metadata.name.as_str())
                .collect();
            subs.sort_unstable();
            assert_eq!(
                (
                    c.metadata.name.as_str(),
                    c.metadata.version.as_str(),
                    c.templates.len().to_string(),
                    c.files.len().to_string(),
                    subs.join(",")
                ),
                (
                    name,
                    version,
                    templates.to_string(),
                    files.to_string(),
                    subcharts.to_string()
                ),
                "{path}"
            );
            checked += 1;
        }
        assert!(checked >= 160, "the fixture covers the corpus");
    }

    // -- pieces -----------------------------------------------------------------------------

    #[test]
    fn go_path_clean_and_float_formatting_follow_go() {
        for (p, want) in [
            ("", "."),
            ("a/./b", "a/b"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("a//b/", "a/b"),
            ("..", ".."),
        ] {
            assert_eq!(go_path_clean(p), want, "{p}");
        }
        for (f, want) in [
            (1.0e6, "1e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1.1, "1.1"),
        ] {
            assert_eq!(
                crate::engine::yaml::parse::go_format_float32(f),
                want,
                "{f}"
            );
        }
    }
}
