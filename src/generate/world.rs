//! The simulated company behind the synthetic exports.
//!
//! Patterns a real program has are planted by mechanism, not painted on afterwards:
//! - every account has a latent health and every contact a latent affinity; NPS, usage,
//!   webinar attendance and advocacy all rise with affinity, so promoters become advocates
//!   more often;
//! - customers are made by won new-business deals; referred deals win about twice as often
//!   and close in about half the time, and referred customers churn less;
//! - churn happens at renewal dates (the renewal is lost), more often for unhealthy accounts,
//!   and is preceded by half a year of fading usage and lower NPS answers;
//! - contacts leave their companies; some champions reappear at a new company, which
//!   sometimes buys, and they refer others from there.
//!
//! All dates are days since 1970-01-01 (`i32`).

use super::names::*;
use super::rng::Rng;

pub const YEAR: i32 = 365;

pub struct Csm {
    pub id: String,
    pub name: String,
    pub team: &'static str,
}

pub struct Account {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub segment: &'static str,
    pub industry: &'static str,
    pub region: &'static str,
    pub csm: Option<usize>,
    pub customer_since: Option<i32>,
    pub churned_on: Option<i32>,
    pub arr: f64,
    pub health: f64,
    pub referred: bool,
    pub first_touch: i32,
}

impl Account {
    pub fn customer_on(&self, d: i32) -> bool {
        self.customer_since.is_some_and(|s| s <= d) && self.churned_on.is_none_or(|c| c > d)
    }
}

pub struct Contact {
    pub id: String,
    pub account: usize,
    pub full_name: String,
    pub email: String,
    pub title: &'static str,
    pub created_on: Option<i32>,
    pub left_on: Option<i32>,
    pub affinity: f64,
}

impl Contact {
    pub fn active_on(&self, d: i32) -> bool {
        self.created_on.is_none_or(|c| c <= d) && self.left_on.is_none_or(|l| l > d)
    }
}

pub struct Opportunity {
    pub id: String,
    pub account: usize,
    pub kind: Kind,
    pub won: Option<bool>,
    pub amount: f64,
    pub created_on: i32,
    /// None for deals still open on the snapshot date.
    pub closed_on: Option<i32>,
    pub referral: bool,
    pub referrer: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NewBusiness,
    Expansion,
    Renewal,
}

pub struct Activity {
    pub contact: usize,
    pub kind: &'static str,
    pub status: &'static str,
    pub requested_on: Option<i32>,
    pub completed_on: Option<i32>,
    pub opportunity: Option<usize>,
}

pub struct NpsResponse {
    pub contact: usize,
    pub by_email: bool,
    pub responded_on: i32,
    /// Seconds after midnight UTC, when the export carries a timestamp.
    pub time_of_day: Option<i32>,
    pub score: i64,
    pub comment: Option<&'static str>,
}

pub struct Webinar {
    pub id: String,
    pub title: String,
    pub held_on: i32,
}

pub struct Attendance {
    pub webinar: usize,
    pub contact: usize,
    pub by_email: bool,
    pub registered: bool,
    pub attended: bool,
    pub minutes: f64,
    pub role: &'static str,
}

pub struct JobChange {
    pub contact: usize,
    pub moved_on: i32,
    pub new_account: usize,
    pub new_contact: Option<usize>,
}

pub struct World {
    pub snapshot: i32,
    pub csms: Vec<Csm>,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub opportunities: Vec<Opportunity>,
    pub activities: Vec<Activity>,
    pub nps: Vec<NpsResponse>,
    pub webinars: Vec<Webinar>,
    pub attendance: Vec<Attendance>,
    pub job_changes: Vec<JobChange>,
}

const ACTIVITY_TYPES: &[(&str, f64)] = &[
    ("reference_call", 0.30),
    ("review", 0.22),
    ("case_study", 0.10),
    ("testimonial", 0.10),
    ("referral", 0.08),
    ("webinar_speaker", 0.10),
    ("advisory_board", 0.10),
];

pub fn simulate(scale: f64, seed: u64, snapshot: i32) -> World {
    let mut rng = Rng::new(seed);
    let n_accounts = ((300.0 * scale).round() as usize).max(5);
    let n_csms = ((12.0 * scale).round() as usize).max(3);
    let mut world = World {
        snapshot,
        csms: (0..n_csms)
            .map(|i| Csm {
                id: salesforce_style_id("005", i + 1),
                name: person_name(&mut rng),
                team: TEAMS[i % TEAMS.len()],
            })
            .collect(),
        accounts: Vec::with_capacity(n_accounts),
        contacts: Vec::new(),
        opportunities: Vec::new(),
        activities: Vec::new(),
        nps: Vec::new(),
        webinars: Vec::new(),
        attendance: Vec::new(),
        job_changes: Vec::new(),
    };
    // Some CSMs carry bigger books than others.
    let book_weights: Vec<f64> = (0..n_csms).map(|_| 0.5 + rng.unit()).collect();
    for i in 0..n_accounts {
        let account = new_account(&mut rng, i, snapshot);
        world.accounts.push(account);
        sell(&mut world, &mut rng, i, &book_weights);
    }
    for a in 0..n_accounts {
        renew_and_expand(&mut world, &mut rng, a);
    }
    for a in 0..n_accounts {
        staff(&mut world, &mut rng, a);
    }
    assign_referrers(&mut world, &mut rng);
    move_champions(&mut world, &mut rng, &book_weights);
    advocacy(&mut world, &mut rng);
    surveys(&mut world, &mut rng);
    webinars(&mut world, &mut rng);
    world
}

fn person_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

fn new_account(rng: &mut Rng, i: usize, snapshot: i32) -> Account {
    let name = format!("{}{} {}", rng.pick(COMPANY_HEAD), rng.pick(COMPANY_TAIL), rng.pick(COMPANY_SUFFIX));
    let domain = format!("{}{}.example", name.split(' ').next().unwrap_or("co").to_lowercase(), i + 1);
    let segment = rng.pick(&["Enterprise", "Mid-Market", "Mid-Market", "SMB", "SMB"]);
    Account {
        id: salesforce_style_id("001", i + 1),
        name,
        domain,
        segment,
        industry: rng.pick(INDUSTRIES),
        region: rng.pick(REGIONS),
        csm: None,
        customer_since: None,
        churned_on: None,
        arr: 0.0,
        health: rng.unit(),
        referred: false,
        first_touch: rng.range(i64::from(snapshot - 4 * YEAR), i64::from(snapshot - 20)) as i32,
    }
}

fn segment_arr(rng: &mut Rng, segment: &str) -> f64 {
    let (lo, hi) = match segment {
        "Enterprise" => (80_000, 400_000),
        "Mid-Market" => (20_000, 80_000),
        _ => (3_000, 20_000),
    };
    (rng.range(lo, hi) / 500 * 500) as f64
}

/// New-business attempts until the account buys, gives up, or the snapshot is reached.
fn sell(world: &mut World, rng: &mut Rng, a: usize, book_weights: &[f64]) {
    let snapshot = world.snapshot;
    let mut start = world.accounts[a].first_touch;
    for _attempt in 0..4 {
        let referral = rng.chance(0.18);
        let cycle =
            if referral { rng.normal(45.0, 14.0).max(7.0) } else { rng.normal(90.0, 30.0).max(14.0) } as i32;
        let win = if referral { 0.65 } else { 0.33 } + 0.1 * (world.accounts[a].health - 0.5);
        let amount = segment_arr(rng, world.accounts[a].segment);
        let close = start + cycle;
        let (won, closed_on) =
            if close > snapshot { (None, None) } else { (Some(rng.chance(win)), Some(close)) };
        push_opportunity(world, a, Kind::NewBusiness, won, amount, start, closed_on, referral);
        match won {
            Some(true) => {
                let account = &mut world.accounts[a];
                account.customer_since = Some(close);
                account.arr = amount;
                account.referred = referral;
                if rng.chance(0.99) {
                    account.csm = Some(rng.weighted(book_weights));
                }
                return;
            }
            Some(false) => start = close + rng.range(60, 240) as i32,
            None => return,
        }
        if start > snapshot - 10 {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_opportunity(
    world: &mut World,
    account: usize,
    kind: Kind,
    won: Option<bool>,
    amount: f64,
    created_on: i32,
    closed_on: Option<i32>,
    referral: bool,
) -> usize {
    let id = salesforce_style_id("006", world.opportunities.len() + 1);
    world.opportunities.push(Opportunity {
        id,
        account,
        kind,
        won,
        amount,
        created_on,
        closed_on,
        referral,
        referrer: None,
    });
    world.opportunities.len() - 1
}

/// Yearly renewals (where churn happens) and occasional expansions.
fn renew_and_expand(world: &mut World, rng: &mut Rng, a: usize) {
    let snapshot = world.snapshot;
    let Some(since) = world.accounts[a].customer_since else { return };
    let (health, referred, arr) =
        (world.accounts[a].health, world.accounts[a].referred, world.accounts[a].arr);
    let mut anniversary = since + YEAR;
    while anniversary - 60 <= snapshot {
        let created = anniversary - 60;
        if anniversary > snapshot {
            push_opportunity(world, a, Kind::Renewal, None, arr, created, None, false);
            break;
        }
        let churn = 0.14 * (1.6 - health) * if referred { 0.4 } else { 1.0 };
        let churned = rng.chance(churn);
        push_opportunity(world, a, Kind::Renewal, Some(!churned), arr, created, Some(anniversary), false);
        if churned {
            world.accounts[a].churned_on = Some(anniversary);
            world.accounts[a].arr = 0.0;
            break;
        }
        anniversary += YEAR;
    }
    let end = world.accounts[a].churned_on.unwrap_or(snapshot);
    let years = f64::from(end - since) / f64::from(YEAR);
    for _ in 0..rng.poisson(0.35 * years) {
        let created = rng.range(i64::from(since + 30), i64::from(end)) as i32;
        let close = created + rng.range(25, 75) as i32;
        let closed = (close <= snapshot).then_some(close);
        let won = closed.map(|_| rng.chance(0.5 + 0.2 * health));
        let amount = (arr * (0.1 + 0.3 * rng.unit()) / 100.0).round() * 100.0;
        push_opportunity(
            world,
            a,
            Kind::Expansion,
            won,
            amount.max(500.0),
            created,
            closed,
            rng.chance(0.05),
        );
    }
}

/// The account's people: a few champions from the buying process, later hires, turnover.
fn staff(world: &mut World, rng: &mut Rng, a: usize) {
    let account = &world.accounts[a];
    let n = match account.segment {
        "Enterprise" => rng.range(8, 16),
        "Mid-Market" => rng.range(5, 9),
        _ => rng.range(2, 6),
    } as usize;
    let snapshot = world.snapshot;
    let anchor = account.customer_since.unwrap_or(account.first_touch);
    let (domain, health) = (account.domain.clone(), account.health);
    for k in 0..n {
        let created = if k < 2 {
            anchor - rng.range(0, 60) as i32
        } else {
            rng.range(i64::from(anchor - 90), i64::from(snapshot - 1)) as i32
        };
        let created = created.min(snapshot - 1);
        let tenure = (-rng.unit().max(1e-9).ln() * 7.0 * f64::from(YEAR)) as i32;
        let left_on = (created + tenure < snapshot).then_some(created + tenure.max(30));
        let affinity = (0.55 * health + 0.45 * rng.unit() + rng.normal(0.0, 0.08)).clamp(0.0, 1.0);
        let known_created = (!rng.chance(0.08)).then_some(created);
        push_contact(world, rng, a, &domain, known_created, left_on, affinity);
    }
}

fn push_contact(
    world: &mut World,
    rng: &mut Rng,
    account: usize,
    domain: &str,
    created_on: Option<i32>,
    left_on: Option<i32>,
    affinity: f64,
) -> usize {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let id = salesforce_style_id("003", world.contacts.len() + 1);
    // A few people appear twice in the CRM with the same address (a re-hire, a duplicate
    // record): email-only rows then resolve by the spec's tie-breaks.
    let email = match world.contacts.last() {
        Some(prev) if prev.account == account && rng.chance(0.01) => prev.email.clone(),
        _ => {
            format!("{}.{}{}@{domain}", first.to_lowercase(), last.to_lowercase(), world.contacts.len() % 97)
        }
    };
    world.contacts.push(Contact {
        id,
        account,
        full_name: format!("{first} {last}"),
        email,
        title: rng.pick(TITLES),
        created_on,
        left_on,
        affinity,
    });
    world.contacts.len() - 1
}

/// Names a referring contact for most referral deals: an engaged person at another account
/// that was a customer when the deal was created.
fn assign_referrers(world: &mut World, rng: &mut Rng) {
    let n_contacts = world.contacts.len();
    for o in 0..world.opportunities.len() {
        let opp = &world.opportunities[o];
        if !opp.referral || opp.kind == Kind::Renewal || !rng.chance(0.8) {
            continue;
        }
        let (day, account) = (opp.created_on, opp.account);
        let referrer = (0..40).find_map(|_| {
            let c = rng.range(0, n_contacts as i64 - 1) as usize;
            let contact = &world.contacts[c];
            let fits = contact.account != account
                && contact.active_on(day)
                && world.accounts[contact.account].customer_on(day)
                && rng.chance(contact.affinity.powi(2));
            fits.then_some(c)
        });
        if let Some(c) = referrer {
            world.opportunities[o].referrer = Some(c);
            world.activities.push(Activity {
                contact: c,
                kind: "referral",
                status: "completed",
                requested_on: None,
                completed_on: Some(day),
                opportunity: None,
            });
        }
    }
}

/// Engaged people who leave reappear at another company; some of those companies buy, and
/// some of the movers refer others from there.
fn move_champions(world: &mut World, rng: &mut Rng, book_weights: &[f64]) {
    let snapshot = world.snapshot;
    let n_accounts = world.accounts.len();
    for c in 0..world.contacts.len() {
        let Some(left) = world.contacts[c].left_on else { continue };
        if world.contacts[c].affinity < 0.55 || !rng.chance(0.6) {
            continue;
        }
        let moved_on = (left + rng.range(0, 30) as i32).min(snapshot);
        let old_account = world.contacts[c].account;
        let new_account = loop {
            let a = rng.range(0, n_accounts as i64 - 1) as usize;
            if a != old_account {
                break a;
            }
        };
        let new_contact = rng.chance(0.7).then(|| {
            let domain = world.accounts[new_account].domain.clone();
            let affinity = world.contacts[c].affinity;
            let id = push_contact(world, rng, new_account, &domain, Some(moved_on), None, affinity);
            world.contacts[id].full_name = world.contacts[c].full_name.clone();
            id
        });
        world.job_changes.push(JobChange { contact: c, moved_on, new_account, new_contact });
        if !world.accounts[new_account].customer_on(moved_on) && rng.chance(0.45) {
            let created = moved_on + rng.range(20, 150) as i32;
            if created <= snapshot {
                let close = created + rng.range(30, 80) as i32;
                let closed = (close <= snapshot).then_some(close);
                let won = closed.map(|_| rng.chance(0.55));
                let amount = segment_arr(rng, world.accounts[new_account].segment);
                push_opportunity(world, new_account, Kind::NewBusiness, won, amount, created, closed, false);
                let account = &mut world.accounts[new_account];
                if won == Some(true) && account.customer_since.is_none() {
                    account.customer_since = closed;
                    account.arr = amount;
                    account.csm = Some(rng.weighted(book_weights));
                }
            }
        }
        if rng.chance(0.5) {
            let created = moved_on + rng.range(30, 300) as i32;
            let target = rng.range(0, n_accounts as i64 - 1) as usize;
            if created <= snapshot && !world.accounts[target].customer_on(created) {
                let close = created + rng.range(20, 70) as i32;
                let closed = (close <= snapshot).then_some(close);
                let won = closed.map(|_| rng.chance(0.45));
                let amount = segment_arr(rng, world.accounts[target].segment);
                let o =
                    push_opportunity(world, target, Kind::NewBusiness, won, amount, created, closed, true);
                world.opportunities[o].referrer = Some(new_contact.unwrap_or(c));
            }
        }
    }
}

/// Asks and completed advocacy, driven by affinity; reference calls and case studies are
/// linked to live deals, more often to deals that go on to win.
fn advocacy(world: &mut World, rng: &mut Rng) {
    let snapshot = world.snapshot;
    let linkable: Vec<usize> =
        (0..world.opportunities.len()).filter(|&o| world.opportunities[o].kind != Kind::Renewal).collect();
    let weights: Vec<f64> = ACTIVITY_TYPES.iter().map(|(_, w)| *w).collect();
    for c in 0..world.contacts.len() {
        let contact = &world.contacts[c];
        let account = &world.accounts[contact.account];
        let Some(since) = account.customer_since else { continue };
        let start = since.max(contact.created_on.unwrap_or(since));
        let end =
            snapshot.min(contact.left_on.unwrap_or(snapshot)).min(account.churned_on.unwrap_or(snapshot));
        if end <= start {
            continue;
        }
        let affinity = contact.affinity;
        let years = f64::from(end - start) / f64::from(YEAR);
        for _ in 0..rng.poisson(years * (0.1 + 2.2 * affinity.powi(3))) {
            let requested = rng.range(i64::from(start), i64::from(end)) as i32;
            let kind = ACTIVITY_TYPES[rng.weighted(&weights)].0;
            let roll = rng.unit();
            let (status, completed_on) = if roll < 0.3 + 0.6 * affinity {
                let done = requested + rng.range(3, 25) as i32;
                if done <= snapshot {
                    ("completed", Some(done))
                } else {
                    ("pending", None)
                }
            } else if roll < 0.9 {
                ("declined", None)
            } else {
                ("pending", None)
            };
            let opportunity = match (kind, completed_on) {
                ("reference_call" | "case_study", Some(done)) => (0..30).find_map(|_| {
                    let o = rng.pick(&linkable);
                    let opp = &world.opportunities[o];
                    let live = opp.created_on <= done && opp.closed_on.is_none_or(|c| done <= c);
                    let keep = opp.won != Some(false) || rng.chance(0.35);
                    (live && keep && opp.account != world.contacts[c].account).then_some(o)
                }),
                _ => None,
            };
            // Some reviews are written unprompted: completed without ever being asked.
            let unprompted = kind == "review" && status == "completed" && rng.chance(0.5);
            let requested_on = (!unprompted).then_some(requested);
            world.activities.push(Activity {
                contact: c,
                kind,
                status,
                requested_on,
                completed_on,
                opportunity,
            });
        }
    }
}

/// Relationship NPS: every customer contact is surveyed every six months at their own phase,
/// and about a third answer, so responses arrive every month.
fn surveys(world: &mut World, rng: &mut Rng) {
    let snapshot = world.snapshot;
    let first = snapshot - 3 * YEAR;
    for c in 0..world.contacts.len() {
        let mut sent = first + rng.range(0, i64::from(YEAR / 2)) as i32;
        while sent <= snapshot {
            let contact = &world.contacts[c];
            if contact.active_on(sent)
                && world.accounts[contact.account].customer_on(sent)
                && rng.chance(0.35)
            {
                let responded_on = sent + rng.range(0, 14) as i32;
                if responded_on <= snapshot {
                    // Customers on their way out say so: within 180 days of the churn date the
                    // answer is three points lower.
                    let leaving = world.accounts[contact.account]
                        .churned_on
                        .is_some_and(|c| responded_on < c && c <= responded_on + CHURN_LEAD_DAYS);
                    let drop = if leaving { 3.0 } else { 0.0 };
                    let score =
                        rng.normal(6.0 + 4.5 * contact.affinity - drop, 1.4).round().clamp(0.0, 10.0) as i64;
                    world.nps.push(NpsResponse {
                        contact: c,
                        by_email: rng.chance(0.15),
                        responded_on,
                        time_of_day: rng.chance(0.3).then(|| rng.range(0, 86_399) as i32),
                        score,
                        comment: rng.chance(0.2).then(|| rng.pick(COMMENTS)),
                    });
                }
            }
            sent += YEAR / 2;
        }
    }
    // An export lists responses by date, as survey tools do.
    world.nps.sort_by_key(|r| (r.responded_on, r.contact));
}

/// A monthly webinar over two years: registrations, attendance (some people join twice, a few
/// walk in without registering), and a panelist or two.
fn webinars(world: &mut World, rng: &mut Rng) {
    let snapshot = world.snapshot;
    let mut held_on = snapshot - 2 * YEAR;
    let mut w = 0;
    while held_on < snapshot {
        world.webinars.push(Webinar {
            id: format!("W{:03}", w + 1),
            title: format!("{} #{}", WEBINARS[w % WEBINARS.len()], w / WEBINARS.len() + 1),
            held_on,
        });
        let mut panelists = 0;
        for c in 0..world.contacts.len() {
            let contact = &world.contacts[c];
            if !contact.active_on(held_on) || !world.accounts[contact.account].customer_on(held_on) {
                continue;
            }
            let a = contact.affinity;
            let registered = rng.chance(0.02 + 0.12 * a);
            let attended = if registered { rng.chance(0.45 + 0.4 * a) } else { rng.chance(0.002) };
            if !registered && !attended {
                continue;
            }
            let role = if attended && a > 0.8 && panelists < 2 && rng.chance(0.1) {
                panelists += 1;
                "panelist"
            } else {
                "attendee"
            };
            // Panelists are invited: Zoom lists them without a registration, which reads as the
            // spec's default, registered.
            let registered = registered || role == "panelist";
            let minutes = if attended { f64::from(rng.range(10, 60) as i32) } else { 0.0 };
            let by_email = rng.chance(0.2);
            let row = |minutes| Attendance {
                webinar: w,
                contact: c,
                by_email,
                registered,
                attended,
                minutes,
                role,
            };
            if attended && rng.chance(0.12) {
                // Dropped and rejoined: two rows whose minutes add up.
                let first = (minutes / 2.0).floor();
                world.attendance.extend([row(first), row(minutes - first)]);
            } else {
                world.attendance.push(row(minutes));
            }
        }
        w += 1;
        held_on += 30 + (w % 2) as i32;
    }
}

/// How long before churning an account shows it (lower usage, lower NPS): the pattern a
/// health score should catch.
const CHURN_LEAD_DAYS: i32 = 180;

/// Usage of one contact on one day, if any: `(active_minutes, events)`. Stateless, so usage
/// can be generated a day at a time in any order.
pub fn usage_on(
    seed: u64,
    contact_index: usize,
    contact: &Contact,
    account: &Account,
    day: i32,
) -> Option<(f64, i64)> {
    if !contact.active_on(day) || !account.customer_on(day) {
        return None;
    }
    let mut rng = Rng::derive(seed, contact_index as u64, day as u64);
    let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Monday
    let busy = if weekday < 5 { 1.15 } else { 0.35 };
    // An account on its way out disengages: over the 180 days before the churn date its
    // people use the product less and less, down to a third.
    let fade = match account.churned_on {
        Some(c) if day > c - CHURN_LEAD_DAYS => 0.33 + 0.67 * f64::from(c - day) / f64::from(CHURN_LEAD_DAYS),
        _ => 1.0,
    };
    if !rng.chance((0.35 + 1.1 * contact.affinity) * busy * fade) {
        return None;
    }
    // Half-minute resolution keeps sums exact in binary floating point.
    let minutes = ((3.0 + 40.0 * contact.affinity * fade * rng.unit()) * 2.0).round() / 2.0;
    let events = (minutes * (0.5 + rng.unit())).round() as i64;
    Some((minutes, events))
}

/// An 18-character id shaped like Salesforce's (`003Dn00000000001AAA`-style: the object's key
/// prefix, then the record number in base 36, then the case-safe suffix), so that generated
/// exports carry ids as long and as case-sensitive as real ones. Numbers sort in id order.
pub fn salesforce_style_id(prefix: &str, n: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut body = [b'0'; 10];
    let mut rest = n;
    for slot in body.iter_mut().rev() {
        *slot = DIGITS[rest % 36];
        rest /= 36;
    }
    let short = format!("{prefix}Dn{}", String::from_utf8_lossy(&body));
    crate::vocab::salesforce_id(&short)
}
