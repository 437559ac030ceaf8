//! How often a login may fail: a sliding window of failed attempts per account and per client
//! address, so that passwords cannot be guessed at speed from one address, nor one account be
//! attacked from many.
//!
//! A key (an account or an address) that failed [`LoginLimits::per_account`] (or
//! [`LoginLimits::per_address`]) times within [`LoginLimits::window`] is refused until its oldest
//! failure leaves the window. A successful login clears the account's failures (not the
//! address's). Memory is bounded: at most [`LoginLimits::max_keys`] keys are tracked; when full,
//! keys whose failures have all left the window are dropped first, then the oldest.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits of [`LoginLimiter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures allowed per account within the window.
    pub per_account: usize,
    /// Failures allowed per client address within the window.
    pub per_address: usize,
    /// The window.
    pub window: Duration,
    /// Keys tracked at most (accounts and addresses together).
    pub max_keys: usize,
}

impl Default for LoginLimits {
    /// 5 failures per account and 20 per address in 15 minutes; 100,000 keys.
    fn default() -> LoginLimits {
        LoginLimits {
            per_account: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
            max_keys: 100_000,
        }
    }
}

/// Why a login attempt is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long until the next attempt may be made.
    pub retry_after: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// Failed logins per account and address (`Send + Sync`; one per server).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    limits: LoginLimits,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// A limiter with `limits`.
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a login to `account` from `address` may be tried at `now` (before checking the
    /// password, so a refused attempt costs no hash).
    pub fn check(&self, account: &str, address: IpAddr, now: Instant) -> Result<(), Refused> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.limits.window;
        let mut wait = Duration::ZERO;
        for (key, limit) in [
            (
                Key::Account(account.to_lowercase()),
                self.limits.per_account,
            ),
            (Key::Address(address), self.limits.per_address),
        ] {
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|&t| now.saturating_duration_since(t) >= window)
                {
                    times.pop_front();
                }
                if times.len() >= limit {
                    let oldest = times[times.len() - limit];
                    wait = wait.max(window.saturating_sub(now.saturating_duration_since(oldest)));
                }
            }
        }
        if wait > Duration::ZERO {
            Err(Refused { retry_after: wait })
        } else {
            Ok(())
        }
    }

    /// Records a failed login to `account` from `address` at `now`.
    pub fn failed(&self, account: &str, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.limits.window;
        for key in [Key::Account(account.to_lowercase()), Key::Address(address)] {
            if !failures.contains_key(&key) && failures.len() >= self.limits.max_keys {
                failures.retain(|_, times| {
                    times
                        .back()
                        .is_some_and(|&t| now.saturating_duration_since(t) < window)
                });
                if failures.len() >= self.limits.max_keys {
                    let oldest = failures
                        .iter()
                        .min_by_key(|(_, times)| times.back().copied())
                        .map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        failures.remove(&k);
                    }
                }
            }
            let times = failures.entry(key).or_default();
            times.push_back(now);
            // A key never needs more entries than the larger limit.
            let keep = self.limits.per_account.max(self.limits.per_address);
            while times.len() > keep {
                times.pop_front();
            }
        }
    }

    /// Clears the failures of `account` after a successful login.
    pub fn succeeded(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::Account(account.to_lowercase()));
    }

    /// How many keys are tracked.
    pub fn tracked(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            per_account: 3,
            per_address: 5,
            window: Duration::from_secs(60),
            max_keys: 4,
        })
    }

    #[test]
    fn an_account_is_refused_after_its_failures_until_the_oldest_leaves_the_window() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(l.check("Anna", ip(1), t0).is_ok(), "attempt {i}");
            l.failed("Anna", ip(1), t0 + Duration::from_secs(i * 10));
        }
        // Three failures at 0, 10 and 20 s: refused until 60 s after the first.
        let at = t0 + Duration::from_secs(30);
        assert_eq!(
            l.check("anna", ip(2), at),
            Err(Refused {
                retry_after: Duration::from_secs(30)
            })
        );
        // Another account from the first address is not refused (3 < 5 for the address).
        assert!(l.check("ben", ip(1), at).is_ok());
        assert!(l.check("anna", ip(2), t0 + Duration::from_secs(60)).is_ok());
        // A success clears the account.
        l.succeeded("ANNA");
        assert!(l.check("anna", ip(1), at).is_ok());
    }

    #[test]
    fn an_address_is_refused_across_accounts() {
        let l = LoginLimiter::new(LoginLimits {
            max_keys: 100,
            ..LoginLimits::default()
        });
        let t0 = Instant::now();
        for i in 0..20 {
            l.failed(&format!("user{i}"), ip(9), t0);
        }
        assert!(l.check("someone-else", ip(9), t0).is_err());
        assert!(l.check("someone-else", ip(8), t0).is_ok());
    }

    #[test]
    fn memory_stays_bounded() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..100u8 {
            l.failed(
                &format!("u{i}"),
                ip(i),
                t0 + Duration::from_secs(u64::from(i)),
            );
            assert!(l.tracked() <= 4, "{}", l.tracked());
        }
    }
}
