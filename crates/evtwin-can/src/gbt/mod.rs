//! GB/T 27930-2015 (placeholder while being written).
