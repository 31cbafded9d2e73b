//! Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`), as exact thousandths.

/// Parses a quantity into thousandths of its unit (`500m` → 500, `2` → 2000, `1Ki` → 1 024 000).
/// `None` when the text is not a quantity.
#[must_use]
pub fn parse_milli(text: &str) -> Option<i128> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(digits_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    // The number as an exact fraction: mantissa / 10^scale.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    let scale = u32::try_from(fraction.len()).ok()?;
    // (numerator, denominator) of the suffix's factor.
    let (factor, divisor): (i128, i128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1000),
        "k" => (1000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        exponent if exponent.starts_with(['e', 'E']) => {
            let power: i32 = exponent[1..].parse().ok()?;
            if power >= 0 {
                (10_i128.checked_pow(power.unsigned_abs())?, 1)
            } else {
                (1, 10_i128.checked_pow(power.unsigned_abs())?)
            }
        }
        _ => return None,
    };
    let value = mantissa.checked_mul(factor)?.checked_mul(1000)?;
    let denominator = divisor.checked_mul(10_i128.checked_pow(scale)?)?;
    // Kubernetes rounds a quantity up to its smallest unit; thousandths are as fine as mcctl needs.
    let milli = (value + denominator - 1).div_euclid(denominator);
    Some(sign * milli)
}

/// How to print a quantity: the suffix family Kubernetes uses for the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// Whole numbers or thousandths (`4`, `3500m`, `110`): CPU, pods, extended resources.
    Decimal,
    /// Powers of 1024 when exact (`16Gi`, `1536Mi`), else bytes: memory and storage.
    Binary,
}

impl Notation {
    /// The notation Kubernetes prints a resource in (`memory` → [`Notation::Binary`]).
    #[must_use]
    pub fn of_resource(name: &str) -> Self {
        let binary = matches!(name, "memory" | "ephemeral-storage" | "storage")
            || name.starts_with("hugepages-");
        if binary { Self::Binary } else { Self::Decimal }
    }
}

/// Prints thousandths as a quantity that [`parse_milli`] reads back exactly (`3500` → `3500m`,
/// `4000` → `4`, and in [`Notation::Binary`] `17179869184000` → `16Gi`).
#[must_use]
pub fn format_milli(milli: i128, notation: Notation) -> String {
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    let whole = milli / 1000;
    if notation == Notation::Binary && whole != 0 {
        for (shift, suffix) in [
            (60, "Ei"),
            (50, "Pi"),
            (40, "Ti"),
            (30, "Gi"),
            (20, "Mi"),
            (10, "Ki"),
        ] {
            let unit = 1_i128 << shift;
            if whole % unit == 0 {
                return format!("{}{suffix}", whole / unit);
            }
        }
    }
    whole.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_quantities_that_parse_back() {
        assert_eq!(format_milli(3500, Notation::Decimal), "3500m");
        assert_eq!(format_milli(4000, Notation::Decimal), "4");
        assert_eq!(format_milli(110_000, Notation::Decimal), "110");
        assert_eq!(format_milli(2_048_000, Notation::Decimal), "2048");
        assert_eq!(format_milli(0, Notation::Binary), "0");
        assert_eq!(
            format_milli(16 * (1 << 30) * 1000, Notation::Binary),
            "16Gi"
        );
        assert_eq!(
            format_milli(1536 * (1 << 20) * 1000, Notation::Binary),
            "1536Mi"
        );
        assert_eq!(format_milli(1_000_000, Notation::Binary), "1000");
        assert_eq!(format_milli(-(1 << 20) * 1000, Notation::Binary), "-1Mi");
        assert_eq!(format_milli(1500, Notation::Binary), "1500m");
        for milli in [
            0,
            1,
            999,
            3500,
            4000,
            1_024_000,
            1_500_000_000,
            7 * (1 << 40) * 1000,
        ] {
            for notation in [Notation::Decimal, Notation::Binary] {
                assert_eq!(parse_milli(&format_milli(milli, notation)), Some(milli));
            }
        }
        assert_eq!(Notation::of_resource("memory"), Notation::Binary);
        assert_eq!(Notation::of_resource("hugepages-2Mi"), Notation::Binary);
        assert_eq!(Notation::of_resource("cpu"), Notation::Decimal);
        assert_eq!(Notation::of_resource("nvidia.com/gpu"), Notation::Decimal);
    }

    #[test]
    fn parses_kubernetes_quantities() {
        assert_eq!(parse_milli("500m"), Some(500));
        assert_eq!(parse_milli("2"), Some(2000));
        assert_eq!(parse_milli("1.5"), Some(1500));
        assert_eq!(parse_milli("1Ki"), Some(1_024_000));
        assert_eq!(parse_milli("256Gi"), Some(256 * (1 << 30) * 1000));
        assert_eq!(parse_milli("1k"), Some(1_000_000));
        assert_eq!(parse_milli("1e3"), Some(1_000_000));
        assert_eq!(parse_milli("1.5Gi"), Some(3 * (1 << 29) * 1000));
        assert_eq!(parse_milli("100u"), Some(1));
        for bad in ["", "abc", "1.2.3", "5XB", "m"] {
            assert_eq!(parse_milli(bad), None, "{bad}");
        }
    }
}
