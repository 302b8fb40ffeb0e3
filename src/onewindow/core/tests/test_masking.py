import logging

from onewindow.core.masking import (
    PersonalDataLogFilter,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)


def test_masks_follow_the_platform_convention():
    assert mask_id_number("530103199001011234") == "5301**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0871-63123456") == "*********3456"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
    assert mask_address("昆明市盘龙区拓东路1号").startswith("昆明市盘龙区")
    assert "拓东路" not in mask_address("昆明市盘龙区拓东路1号")
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_mask_text_finds_numbers_inside_sentences():
    text = "市民11010519491231002X来电，电话13812345678，订单号20260101123456789012不变"
    masked = mask_text(text)
    assert "11010519491231002X" not in masked
    assert "1101**********002X" in masked
    assert "138****5678" in masked
    assert "20260101123456789012" in masked  # 20 digits: not an ID number


def test_log_filter_masks_arguments(caplog):
    logger = logging.getLogger("onewindow.test")
    logger.addFilter(PersonalDataLogFilter())
    try:
        with caplog.at_level(logging.INFO, logger="onewindow.test"):
            logger.info("lookup %s by %s", "11010519491231002X", "13812345678")
    finally:
        logger.filters.clear()
    assert "11010519491231002X" not in caplog.text
    assert "13812345678" not in caplog.text
    assert "1101**********002X" in caplog.text
