//! Vendor engines, each behind the feature named after the vendor.
