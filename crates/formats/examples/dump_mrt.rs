//! Prints every record bgpkit parses from an MRT file (debugging aid).
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump_mrt FILE");
    let bytes = std::fs::read(&path).unwrap();
    let comp = lightsout_formats::Compression::sniff(&bytes);
    let dec = comp.decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    for r in bgpkit_parser::BgpkitParser::from_reader(dec).into_fallible_record_iter() {
        println!("{r:?}");
    }
}
