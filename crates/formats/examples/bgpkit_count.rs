//! The baseline of `make bench`: bgpkit-parser alone, counting the BGP elements of an MRT file
//! (decompressed on one thread by the usual libraries, as bgpkit does: libbzip2 for bzip2, not
//! lightsout's own decoder), writing nothing.
//!
//! Usage: `bgpkit_count FILE` prints the number of elements.

use std::io::Read;

fn main() {
    let path = std::env::args().nth(1).expect("usage: bgpkit_count FILE");
    let mut f = std::fs::File::open(&path).expect("open");
    let mut head = [0u8; 8];
    let n = f.read(&mut head).expect("read");
    let compression = lightsout_formats::Compression::sniff(&head[..n]);
    let raw: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(f));
    let reader: Box<dyn Read + Send> = match compression {
        lightsout_formats::Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(std::io::BufReader::new(raw))),
        other => other.decoder(raw).expect("decoder"),
    };
    let count = bgpkit_parser::BgpkitParser::from_reader(reader).disable_warnings().into_elem_iter().count();
    println!("{count}");
}
