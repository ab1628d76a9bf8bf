//! How big each force is: its share of national recorded crime, from real figures, and the
//! deterministic choice of forces for scenarios of fewer (or more) than 43 forces.

use recount_cube::ForceRegistry;

/// Police recorded crime per territorial force in financial year 2022/23: the sum of `Number
/// of Offences` over every offence and quarter in the Home Office "Police recorded crime and
/// outcomes open data tables", police force area tables, release of 19 October 2023
/// (`shared/data/real/home-office-prc-pfa-2012-13-to-2023-24q1.csv`; Open Government Licence
/// v3.0). Computed once with a script; British Transport Police and the national fraud bodies
/// are left out. Total 5,516,196. A force's share of calls is taken to be its share of crime.
pub(crate) const RECORDED_CRIME_2022_23: [(&str, u64); 43] = [
    ("E23000001", 880_923), // Metropolitan Police
    ("E23000002", 38_898),  // Cumbria
    ("E23000003", 130_263), // Lancashire
    ("E23000004", 169_295), // Merseyside
    ("E23000005", 371_861), // Greater Manchester
    ("E23000006", 87_160),  // Cheshire
    ("E23000007", 142_526), // Northumbria
    ("E23000008", 64_017),  // Durham
    ("E23000009", 48_685),  // North Yorkshire
    ("E23000010", 314_468), // West Yorkshire
    ("E23000011", 160_386), // South Yorkshire
    ("E23000012", 101_234), // Humberside
    ("E23000013", 84_186),  // Cleveland
    ("E23000014", 367_206), // West Midlands
    ("E23000015", 98_401),  // Staffordshire
    ("E23000016", 94_929),  // West Mercia
    ("E23000017", 41_853),  // Warwickshire
    ("E23000018", 85_855),  // Derbyshire
    ("E23000019", 105_075), // Nottinghamshire
    ("E23000020", 58_817),  // Lincolnshire
    ("E23000021", 105_864), // Leicestershire
    ("E23000022", 63_763),  // Northamptonshire
    ("E23000023", 71_511),  // Cambridgeshire
    ("E23000024", 67_189),  // Norfolk
    ("E23000025", 52_097),  // Suffolk
    ("E23000026", 50_881),  // Bedfordshire
    ("E23000027", 76_195),  // Hertfordshire
    ("E23000028", 164_218), // Essex
    ("E23000029", 182_167), // Thames Valley
    ("E23000030", 175_633), // Hampshire
    ("E23000031", 73_264),  // Surrey
    ("E23000032", 175_265), // Kent
    ("E23000033", 129_366), // Sussex
    ("E23000034", 7_592),   // London, City of
    ("E23000035", 104_753), // Devon & Cornwall
    ("E23000036", 141_771), // Avon and Somerset
    ("E23000037", 57_642),  // Gloucestershire
    ("E23000038", 44_218),  // Wiltshire
    ("E23000039", 51_829),  // Dorset
    ("W15000001", 63_571),  // North Wales
    ("W15000002", 59_504),  // Gwent
    ("W15000003", 107_022), // South Wales
    ("W15000004", 44_843),  // Dyfed-Powys
];

/// A force chosen for a scenario, with its relative size (recorded crime in 2022/23).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SizedForce {
    pub id: String,
    pub name: String,
    pub weight: f64,
}

/// The real forces ordered by size, largest first (ties by code).
fn by_size() -> Vec<SizedForce> {
    let registry = ForceRegistry::builtin();
    let mut forces: Vec<SizedForce> = RECORDED_CRIME_2022_23
        .iter()
        .map(|(id, crimes)| SizedForce {
            id: id.to_string(),
            name: registry.name_of(id).unwrap_or(id).to_string(),
            weight: *crimes as f64,
        })
        .collect();
    forces.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.id.cmp(&b.id)));
    forces
}

/// `count` forces, in registry (code) order, then synthetic extras.
///
/// Fewer than 43: an even spread over the size ranking (the largest, the smallest and evenly
/// spaced ranks between), so that a small scenario still has a Met-sized force and a City of
/// London-sized one, not just the N largest. One force: the median. More than 43: every real
/// force, then `X0001`, `X0002`, ... sized like real forces taken in size order with a
/// deterministic +/-20% jitter.
pub(crate) fn choose_forces(count: usize) -> Vec<SizedForce> {
    let ranked = by_size();
    let real = ranked.len();
    let mut chosen: Vec<SizedForce> = match count {
        0 => Vec::new(),
        1 => vec![ranked[real / 2].clone()],
        n if n < real => {
            let mut ranks: Vec<usize> = (0..n)
                .map(|k| ((k * (real - 1)) as f64 / (n - 1) as f64).round() as usize)
                .collect();
            ranks.dedup();
            ranks.into_iter().map(|r| ranked[r].clone()).collect()
        }
        _ => ranked.clone(),
    };
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    for extra in 0..count.saturating_sub(real) {
        let template = &ranked[extra % real];
        // A fixed, seed-independent jitter in [0.8, 1.2): extra forces are not copies.
        let jitter = 0.8 + 0.4 * ((extra as f64 * 0.618_033_988_75) % 1.0);
        chosen.push(SizedForce {
            id: format!("X{:04}", extra + 1),
            name: format!("Synthetic force {}", extra + 1),
            weight: template.weight * jitter,
        });
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_registry() {
        let registry = ForceRegistry::builtin();
        for force in registry.forces() {
            assert!(RECORDED_CRIME_2022_23.iter().any(|(id, _)| *id == force.id));
        }
        let total: u64 = RECORDED_CRIME_2022_23.iter().map(|(_, n)| n).sum();
        assert_eq!(total, 5_516_196);
    }

    #[test]
    fn small_scenarios_spread_over_sizes() {
        let four = choose_forces(4);
        assert_eq!(four.len(), 4);
        let ids: Vec<&str> = four.iter().map(|f| f.id.as_str()).collect();
        assert!(ids.contains(&"E23000001"), "the Met is the largest");
        assert!(ids.contains(&"E23000034"), "City of London is the smallest");
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        let max = four.iter().map(|f| f.weight).fold(0.0, f64::max);
        let min = four.iter().map(|f| f.weight).fold(f64::MAX, f64::min);
        assert!(max / min > 20.0);
        assert_eq!(choose_forces(1).len(), 1);
        assert_eq!(choose_forces(43).len(), 43);
    }

    #[test]
    fn large_scenarios_add_synthetic_forces() {
        let forces = choose_forces(45);
        assert_eq!(forces.len(), 45);
        assert_eq!(forces[43].id, "X0001");
        assert_eq!(forces[44].id, "X0002");
        assert!(forces[43].weight > 0.0);
    }
}
